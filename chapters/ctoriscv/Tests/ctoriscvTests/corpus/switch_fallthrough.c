#include "test.h"
int main() { int x = 0; switch (2) { case 1: x += 1; case 2: x += 2; case 3: x += 3; break; case 4: x += 4; } ASSERT(5, x); return 0; }
