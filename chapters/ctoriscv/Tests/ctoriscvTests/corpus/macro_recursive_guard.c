#include "test.h"
int f(int x) { return x * 10; }
#define f(x) f(x + 1)
#define y y
int main() { int y = 4; ASSERT(20, f(1)); ASSERT(4, y); return 0; }
