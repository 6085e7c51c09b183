#include "test.h"
int f(int x) { int r = 0; switch (x) { case 1: r = 1; break; default: r = 9; break; case 2: r = 2; } return r; }
int main() { ASSERT(1, f(1)); ASSERT(2, f(2)); ASSERT(9, f(3)); return 0; }
