#include "test.h"
int x = 5; int *p = &x; int a[4] = {1,2,3,4}; int *q = a + 2; int *r = &a[1];
int main() { ASSERT(5, *p); ASSERT(3, *q); ASSERT(2, *r); return 0; }
