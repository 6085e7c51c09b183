// What this CPU can run, asked at run time.
#define _GNU_SOURCE
#include "brrr.h"
#include <stdlib.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

// The OS must save the wide registers on a context switch (XCR0), or using them corrupts state.
static unsigned long long xgetbv0(void) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

unsigned brrr_supported_isas(void) {
    unsigned isas = 1u << BRRR_ISA_PORTABLE;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return isas;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return isas;
    unsigned long long xcr0 = xgetbv0();
    int ymm_state = (xcr0 & 0x6) == 0x6, zmm_state = (xcr0 & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return isas;
    int avx2 = (b >> 5) & 1;
    int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    if (ymm_state && avx2 && fma && f16c) isas |= 1u << BRRR_ISA_AVX2;
    if (zmm_state && avx512f && avx512dq && avx512bw && avx512vl && fma && f16c) isas |= 1u << BRRR_ISA_AVX512;
    return isas;
}

#elif defined(__aarch64__)
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
unsigned brrr_supported_isas(void) {
    unsigned isas = 1u << BRRR_ISA_PORTABLE;
    if (getauxval(AT_HWCAP) & HWCAP_ASIMD) isas |= 1u << BRRR_ISA_NEON;
    return isas;
}
#elif defined(__APPLE__)
#include <sys/sysctl.h>
unsigned brrr_supported_isas(void) {
    unsigned isas = 1u << BRRR_ISA_PORTABLE;
    int value = 0; size_t size = sizeof value;
    if (sysctlbyname("hw.optional.AdvSIMD", &value, &size, NULL, 0) == 0 && value) isas |= 1u << BRRR_ISA_NEON;
    return isas;
}
#else
unsigned brrr_supported_isas(void) { return (1u << BRRR_ISA_PORTABLE) | (1u << BRRR_ISA_NEON); }
#endif

#else
unsigned brrr_supported_isas(void) { return 1u << BRRR_ISA_PORTABLE; }
#endif

#if defined(__linux__)
#include <sched.h>
#endif

int brrr_cpu_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int64_t brrr_physical_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (int64_t)pages * size : 0;
}
