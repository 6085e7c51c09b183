#include "test.h"
int main() { int i, j; for (i = 0; i < 10; i++) for (j = 0; j < 10; j++) if (i * j == 12) goto done; done: ASSERT(2, i); ASSERT(6, j); return 0; }
