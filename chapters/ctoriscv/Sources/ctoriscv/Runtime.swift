// The runtime: the little C library every program links with, compiled by ctoriscv itself.
//
// `_start` calls `main` and passes its result to `exit`; `__syscall` is the one function in
// assembly, since C cannot say `ecall`. printf supports %d %i %u %x %X %c %s %p %% with an
// optional 0 flag, width and l/ll length. The __divdi3 family gives long long division
// (the compiler calls them by the same names as libgcc, with the same ABI).

/// The C source of the runtime library.
public let runtimeSource = #"""
#include <stdarg.h>
int __syscall(int n, int a, int b, int c);

static char __buf[256];
static int __len;
static void __flush(void) { if (__len) __syscall(64, 1, (int)__buf, __len); __len = 0; }

void exit(int code) { __flush(); __syscall(93, code, 0, 0); }
int putchar(int c) { char b = c; __flush(); __syscall(64, 1, (int)&b, 1); return c & 255; }
unsigned int strlen(const char *s) { unsigned int n = 0; while (s[n]) n++; return n; }
int puts(const char *s) { __flush(); __syscall(64, 1, (int)s, strlen(s)); putchar('\n'); return 0; }
int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return (unsigned char)*a - (unsigned char)*b;
}
char *strcpy(char *d, const char *s) { char *r = d; while ((*d++ = *s++) != 0) ; return r; }
void *memcpy(void *d, const void *s, unsigned int n) {
    char *p = d; const char *q = s;
    while (n--) *p++ = *q++;
    return d;
}
void *memset(void *d, int c, unsigned int n) { char *p = d; while (n--) *p++ = c; return d; }
int abs(int x) { return x < 0 ? -x : x; }

static void __out(int c) { if (__len == 256) __flush(); __buf[__len++] = c; }

static void __number(unsigned long long v, int base, int upper, int negative, int width, int zero) {
    char digits[24];
    int n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do { digits[n++] = set[(int)(v % base)]; v = v / base; } while (v);
    if (negative) width--;
    if (negative && zero) __out('-');
    while (width > n) { __out(zero ? '0' : ' '); width--; }
    if (negative && !zero) __out('-');
    while (n) __out(digits[--n]);
}

int printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        int zero = 0, width = 0, longs = 0;
        long long v;
        const char *s;
        if (*fmt != '%') { __out(*fmt); continue; }
        fmt++;
        if (*fmt == '0') { zero = 1; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') { longs++; fmt++; }
        switch (*fmt) {
        case 'd': case 'i':
            v = longs == 2 ? va_arg(ap, long long) : va_arg(ap, int);
            __number(v < 0 ? -v : v, 10, 0, v < 0, width, zero);
            break;
        case 'u': case 'x': case 'X':
            v = longs == 2 ? va_arg(ap, long long) : va_arg(ap, unsigned int);
            __number(v, *fmt == 'u' ? 10 : 16, *fmt == 'X', 0, width, zero);
            break;
        case 'p':
            __out('0'); __out('x');
            __number(va_arg(ap, unsigned int), 16, 0, 0, width, zero);
            break;
        case 'c': __out(va_arg(ap, int)); break;
        case 's':
            s = va_arg(ap, char *);
            width -= strlen(s);
            while (width-- > 0) __out(' ');
            while (*s) __out(*s++);
            break;
        case 0: fmt--; break;
        default: __out(*fmt);
        }
    }
    va_end(ap);
    __flush();
    return 0;
}

unsigned long long __udivmoddi4(unsigned long long n, unsigned long long d, unsigned long long *rem) {
    unsigned long long q = 0, r = 0;
    int i;
    if (d == 0) { if (rem) *rem = n; return ~0ULL; }
    for (i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) { r -= d; q |= 1ULL << i; }
    }
    if (rem) *rem = r;
    return q;
}
unsigned long long __udivdi3(unsigned long long a, unsigned long long b) { return __udivmoddi4(a, b, 0); }
unsigned long long __umoddi3(unsigned long long a, unsigned long long b) {
    unsigned long long r;
    __udivmoddi4(a, b, &r);
    return r;
}
long long __divdi3(long long a, long long b) {
    unsigned long long q = __udivmoddi4(a < 0 ? -a : a, b < 0 ? -b : b, 0);
    return (a < 0) != (b < 0) ? -q : q;
}
long long __moddi3(long long a, long long b) {
    unsigned long long r;
    __udivmoddi4(a < 0 ? -a : a, b < 0 ? -b : b, &r);
    return a < 0 ? -r : r;
}
"""#

/// The start-up code and the system-call stub, in assembly.
public let startAssembly = """
  .text
  .globl _start
_start:
  li a0, 0
  li a1, 0
  call main
  call exit
  .globl __syscall
__syscall:
  mv a7, a0
  mv a0, a1
  mv a1, a2
  mv a2, a3
  ecall
  ret
"""

/// Compiled by the stack machine with register variables, so that the runtime (and every program
/// linked with it) works before the optimizing back end's TODOs are done.
private let compiledRuntime: Result<String, any Error> = Result { try compile(source: runtimeSource, fileName: "<runtime>", backEnd: .stackRegisters) }

/// The runtime library as assembly: start-up code plus the compiled C runtime (cached).
public func runtimeAssembly() throws -> String {
    startAssembly + "\n" + (try compiledRuntime.get())
}
