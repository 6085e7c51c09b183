#include "test.h"
int main() { unsigned a = 0xFFFFFFF0u; ASSERT(0x7FFFFFF8u, a / 2); ASSERT(0, a % 2); int s = -16; ASSERT(-8, s / 2); return 0; }
