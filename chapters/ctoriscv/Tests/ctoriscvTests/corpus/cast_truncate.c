#include "test.h"
int main() { int x = 0x12345678; ASSERT(0x78, (char)x); ASSERT(0x5678, (short)x); ASSERT(-1, (short)0xFFFF); ASSERT(255, (unsigned char)-1); return 0; }
