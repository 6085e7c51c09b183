#include "test.h"
int main() { int a[3][4]; int i, j; for (i = 0; i < 3; i++) for (j = 0; j < 4; j++) a[i][j] = i * 4 + j; ASSERT(11, a[2][3]); ASSERT(48, sizeof(a)); ASSERT(16, sizeof(a[0])); return 0; }
