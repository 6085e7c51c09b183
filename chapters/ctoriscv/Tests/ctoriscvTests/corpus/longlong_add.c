#include "test.h"
int main() { long long a = 4294967295LL, b = 1; ASSERT(1, a + b == 4294967296LL); ASSERT(1, (a + b) - b == a); long long n = -1; ASSERT(1, n + 2 == 1); return 0; }
