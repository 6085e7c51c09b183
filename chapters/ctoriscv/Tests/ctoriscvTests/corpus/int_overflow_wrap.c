#include "test.h"
int main() { unsigned u = 4294967295u; u++; ASSERT(0, u); int x = 2147483647; x = (int)((unsigned)x + 1u); ASSERT(1, x < 0); return 0; }
