// Half-precision scales of the block formats, by moving bits (no _Float16 needed).
#ifndef BRRR_HALF_H
#define BRRR_HALF_H
#include <stdint.h>

/// IEEE half -> float.
static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    union { uint32_t u; float f; } v;
    if (exponent == 0) { float m = (float)mantissa * (1.0f / 16777216.0f); return sign ? -m : m; }
    v.u = exponent == 31 ? (sign | 0x7f800000u | (mantissa << 13)) : (sign | ((exponent + 112) << 23) | (mantissa << 13));
    return v.f;
}

/// A little-endian 16-bit word at p (unaligned).
static inline uint16_t load_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

#endif
