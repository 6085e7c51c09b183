#include "test.h"
int add(a, b) int a; int b; { return a + b; }
int main() { ASSERT(9, add(4, 5)); return 0; }
