#include "test.h"
int main() { int x; int *p = &x; unsigned u = (unsigned)p; int *q = (int *)u; ASSERT(1, p == q); return 0; }
