#include "test.h"
int f(int a, int b, int c, int d, int e, int g, int h, int i, int j) { return a + b + c + d + e + g + h + i + j; }
int main() { int (*p)(int, int, int, int, int, int, int, int, int) = f; ASSERT(45, p(1, 2, 3, 4, 5, 6, 7, 8, 9)); return 0; }
