#include "test.h"
int f(long long x) { switch (x) { case 4294967296LL: return 1; case 5: return 2; default: return 3; } }
int main() { ASSERT(1, f(4294967296LL)); ASSERT(2, f(5)); ASSERT(3, f(4294967301LL)); return 0; }
