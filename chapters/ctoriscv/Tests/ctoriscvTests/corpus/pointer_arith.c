#include "test.h"
int main() { int a[5] = {10, 20, 30, 40, 50}; int *p = a + 1; ASSERT(40, *(p + 2)); ASSERT(10, *(p - 1)); ASSERT(3, &a[4] - p); ASSERT(20, p[0]); ASSERT(50, 3[p]); return 0; }
