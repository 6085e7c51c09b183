#include "test.h"
int main() { ASSERT(42, 6 * 7); ASSERT(3, 10 / 3); ASSERT(1, 10 % 3); ASSERT(-3, -10 / 3); ASSERT(-1, -10 % 3); return 0; }
