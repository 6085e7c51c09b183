#include "test.h"
int sq(int x) { return x * x; }
int add(int a, int b) { return a + b; }
int main() { ASSERT(25, add(sq(3), sq(add(2, 2)) - 0)); return 0; }
