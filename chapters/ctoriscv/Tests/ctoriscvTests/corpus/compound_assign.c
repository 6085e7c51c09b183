#include "test.h"
int main() { int a = 10; a += 5; ASSERT(15, a); a -= 3; ASSERT(12, a); a *= 2; ASSERT(24, a); a /= 5; ASSERT(4, a); a %= 3; ASSERT(1, a); a <<= 4; ASSERT(16, a); a >>= 2; ASSERT(4, a); a |= 3; ASSERT(7, a); a &= 5; ASSERT(5, a); a ^= 1; ASSERT(4, a); return 0; }
