#include "test.h"
int main() { int a[4]; int *p = a, *q = a + 3; ASSERT(1, p < q); ASSERT(0, p > q); ASSERT(1, q >= p); ASSERT(1, p != q); return 0; }
