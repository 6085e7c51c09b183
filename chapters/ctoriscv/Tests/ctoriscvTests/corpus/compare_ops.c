#include "test.h"
int main() { ASSERT(1, 1 < 2); ASSERT(0, 2 < 1); ASSERT(1, 2 <= 2); ASSERT(1, 3 > 2); ASSERT(1, 3 >= 3); ASSERT(1, 4 == 4); ASSERT(1, 4 != 5); return 0; }
