#include "test.h"
int main() { const int c = 5; volatile int v = 3; const char *s = "x"; int * const p = &v; ASSERT(8, c + v); ASSERT(120, *s); ASSERT(3, *p); return 0; }
