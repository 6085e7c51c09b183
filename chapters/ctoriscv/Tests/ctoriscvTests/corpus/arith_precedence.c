#include "test.h"
int main() { ASSERT(14, 2 + 3 * 4); ASSERT(20, (2 + 3) * 4); ASSERT(5, 20 / 2 / 2 + 0); ASSERT(1, 7 - 3 - 3); return 0; }
