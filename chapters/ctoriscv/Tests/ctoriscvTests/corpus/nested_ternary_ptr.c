#include "test.h"
int main() { int a = 1, b = 2; int *p = a > b ? &a : &b; ASSERT(2, *p); *(a < b ? &a : &b) = 9; ASSERT(9, a); return 0; }
