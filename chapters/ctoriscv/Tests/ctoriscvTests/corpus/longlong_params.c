#include "test.h"
long long f(int a, long long b, int c, long long d) { return a + b * 2 + c + d * 3; }
int main() { ASSERT(1, f(1, 10000000000LL, 2, 3) == 20000000012LL); return 0; }
