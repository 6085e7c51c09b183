#include "test.h"
union U { int i; char c[4]; };
int main() { union U u; u.i = 0x01020304; ASSERT(4, u.c[0]); ASSERT(1, u.c[3]); ASSERT(4, sizeof u); return 0; }
