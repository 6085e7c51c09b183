#include "test.h"
int main() { int x = 3; int *p = &x; *p = 5; ASSERT(5, x); ASSERT(1, p == &x); return 0; }
