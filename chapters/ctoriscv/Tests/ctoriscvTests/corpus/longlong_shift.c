#include "test.h"
int main() { long long a = 1; ASSERT(1, (a << 40) == 1099511627776LL); ASSERT(1, ((a << 40) >> 38) == 4); long long n = -1024; ASSERT(1, (n >> 3) == -128); unsigned long long u = 0x8000000000000000ULL; ASSERT(1, (u >> 63) == 1); ASSERT(1, (a << 31) == 2147483648LL); ASSERT(1, (a << 0) == 1); return 0; }
