#include "test.h"
int depth(int n) { int pad[4]; pad[0] = n; return n == 0 ? 0 : 1 + depth(n - 1) + pad[0] - n; }
int main() { ASSERT(10000, depth(10000)); return 0; }
