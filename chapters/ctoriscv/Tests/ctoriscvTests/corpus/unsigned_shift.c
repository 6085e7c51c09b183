#include "test.h"
int main() { unsigned x = 0x80000000u; ASSERT(0x40000000, x >> 1); ASSERT(1, (int)(x >> 31)); return 0; }
