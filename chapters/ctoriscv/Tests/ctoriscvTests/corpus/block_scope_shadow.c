#include "test.h"
int x = 5;
int main() { int r; { int x = 7; r = x; } ASSERT(7, r); ASSERT(5, x); return 0; }
