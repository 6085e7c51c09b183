#include "test.h"
int main() { int a = 3; ASSERT(10, a > 2 ? 10 : 20); ASSERT(20, a > 5 ? 10 : 20); ASSERT(2, a ? a == 3 ? 2 : 1 : 0); return 0; }
