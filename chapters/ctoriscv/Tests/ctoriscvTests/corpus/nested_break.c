#include "test.h"
int main() { int i, j, n = 0; for (i = 0; i < 5; i++) for (j = 0; j < 5; j++) { if (j == 2) break; n++; } ASSERT(10, n); return 0; }
