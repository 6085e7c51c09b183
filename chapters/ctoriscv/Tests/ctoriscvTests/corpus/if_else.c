#include "test.h"
int main() { int x = 0; if (1) x = 1; else x = 2; ASSERT(1, x); if (0) x = 3; else x = 4; ASSERT(4, x); if (0) x = 5; ASSERT(4, x); return 0; }
