#include "test.h"
int main() { long long a = -1, b = 1; ASSERT(1, a < b); ASSERT(0, a > b); unsigned long long c = -1; ASSERT(1, c > 1); ASSERT(1, 4294967296LL > 4294967295LL); ASSERT(1, -4294967296LL < -4294967295LL); ASSERT(1, a <= a); return 0; }
