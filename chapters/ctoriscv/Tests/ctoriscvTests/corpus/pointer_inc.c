#include "test.h"
int main() { int a[3] = {1, 2, 3}; int *p = a; ASSERT(1, *p++); ASSERT(2, *p); ASSERT(3, *++p); p--; ASSERT(2, *p); return 0; }
