#include "test.h"
int main() { int i = 0, n = 0; while (i < 10) { i++; if (i & 1) continue; n++; } ASSERT(5, n); return 0; }
