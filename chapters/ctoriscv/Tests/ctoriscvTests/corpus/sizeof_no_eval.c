#include "test.h"
int main() { int x = 1; int s = sizeof(x = 5); ASSERT(1, x); ASSERT(4, s); return 0; }
