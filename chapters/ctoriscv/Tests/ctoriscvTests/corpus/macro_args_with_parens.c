#include "test.h"
#define FIRST(a, b) (a)
int f(int x, int y) { return x - y; }
int main() { ASSERT(-1, FIRST(f(1, 2), 3)); return 0; }
