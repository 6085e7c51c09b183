#include "test.h"
int main() { int i = 0; for (;;) { if (++i == 5) break; } ASSERT(5, i); return 0; }
