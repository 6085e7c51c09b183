#include "test.h"
int twice(int x) { return 2 * x; }
int main() { int (*f)(int) = twice; ASSERT(8, f(4)); ASSERT(8, (*f)(4)); f = &twice; ASSERT(6, f(3)); return 0; }
