#include "test.h"
int main() { int a[1000]; int i; for (i = 0; i < 1000; i++) a[i] = i; ASSERT(999, a[999]); ASSERT(500, a[500]); return 0; }
