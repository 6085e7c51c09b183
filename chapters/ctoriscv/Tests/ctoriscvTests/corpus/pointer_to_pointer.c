#include "test.h"
int main() { int x = 1; int *p = &x; int **pp = &p; **pp = 9; ASSERT(9, x); return 0; }
