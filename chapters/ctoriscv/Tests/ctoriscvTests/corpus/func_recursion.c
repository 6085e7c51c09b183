#include "test.h"
int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
int main() { ASSERT(120, fact(5)); ASSERT(3628800, fact(10)); return 0; }
