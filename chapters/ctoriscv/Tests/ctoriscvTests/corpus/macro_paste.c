#include "test.h"
#define CAT(a, b) a ## b
int main() { int xy = 7; ASSERT(7, CAT(x, y)); ASSERT(12, CAT(1, 2)); return 0; }
