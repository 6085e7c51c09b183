#include "test.h"
int f(int a, int b, int c, int d, int e, int g, int h, int i, int j, int k) { return a - b + c - d + e - g + h - i + j * 10 + k * 100; }
int main() { ASSERT(1086, f(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)); return 0; }
