#include "test.h"
int main() { short s = 32767; s++; ASSERT(-32768, s); unsigned short u = 65535; u++; ASSERT(0, u); ASSERT(2, sizeof(short)); return 0; }
