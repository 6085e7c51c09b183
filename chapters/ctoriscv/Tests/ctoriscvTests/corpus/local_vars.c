#include "test.h"
int main() { int a = 1, b = 2; { int a = 10; b += a; } ASSERT(1, a); ASSERT(12, b); return 0; }
