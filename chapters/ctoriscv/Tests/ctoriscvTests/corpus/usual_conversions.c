#include "test.h"
int main() { int i = -1; unsigned u = 1; ASSERT(1, i > u); long l = -1; ASSERT(1, l < 0); ASSERT(1, (unsigned char)200 + 100 == 300); return 0; }
