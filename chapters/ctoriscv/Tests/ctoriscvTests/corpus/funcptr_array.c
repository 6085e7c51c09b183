#include "test.h"
int a(void) { return 1; } int b(void) { return 2; } int c(void) { return 3; }
int main() { int (*fs[3])(void); fs[0] = a; fs[1] = b; fs[2] = c; int s = 0, i; for (i = 0; i < 3; i++) s = s * 10 + fs[i](); ASSERT(123, s); return 0; }
