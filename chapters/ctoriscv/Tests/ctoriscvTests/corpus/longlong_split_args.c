#include "test.h"
long long f(int a1, int a2, int a3, int a4, int a5, int a6, int a7, long long x, int y) { return x + y + a7; }
int main() { ASSERT(1, f(1, 2, 3, 4, 5, 6, 7, 10000000000LL, 5) == 10000000012LL); return 0; }
