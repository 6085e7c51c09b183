#include "test.h"
int f(int *p) { *p = 1; return 1; }
int main() { int x = 0; 0 && f(&x); ASSERT(0, x); 1 || f(&x); ASSERT(0, x); 1 && f(&x); ASSERT(1, x); return 0; }
