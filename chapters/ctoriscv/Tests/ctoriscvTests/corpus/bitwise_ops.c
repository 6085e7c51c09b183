#include "test.h"
int main() { ASSERT(1, 5 & 3); ASSERT(7, 5 | 3); ASSERT(6, 5 ^ 3); ASSERT(40, 5 << 3); ASSERT(2, 17 >> 3); ASSERT(-2, -8 >> 2); return 0; }
