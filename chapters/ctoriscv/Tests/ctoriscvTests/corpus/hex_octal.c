#include "test.h"
int main() { ASSERT(255, 0xff); ASSERT(255, 0XFF); ASSERT(8, 010); ASSERT(0, 00); ASSERT(4294967295u, 0xffffffff); return 0; }
