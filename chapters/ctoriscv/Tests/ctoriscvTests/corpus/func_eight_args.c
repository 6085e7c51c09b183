#include "test.h"
int f(int a, int b, int c, int d, int e, int g, int h, int i) { return a + 2*b + 3*c + 4*d + 5*e + 6*g + 7*h + 8*i; }
int main() { ASSERT(204, f(1, 2, 3, 4, 5, 6, 7, 8)); return 0; }
