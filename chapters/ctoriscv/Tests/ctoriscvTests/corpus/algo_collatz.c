#include "test.h"
int steps(unsigned n) { int k = 0; while (n != 1) { n = n % 2 ? 3 * n + 1 : n / 2; k++; } return k; }
int main() { ASSERT(111, steps(27)); return 0; }
