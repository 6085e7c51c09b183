#include "test.h"
int main() { ASSERT(8, sizeof(1LL)); ASSERT(4, sizeof(1L)); ASSERT(4, sizeof(1u)); ASSERT(8, sizeof(5000000000)); ASSERT(1, -1 < 0u ? 0 : 1); return 0; }
