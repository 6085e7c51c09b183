#include "test.h"
int main() { int a, b, c; a = b = c = 9; ASSERT(27, a + b + c); return 0; }
