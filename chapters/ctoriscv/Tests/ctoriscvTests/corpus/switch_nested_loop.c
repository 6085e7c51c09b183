#include "test.h"
int main() { int i, n = 0; for (i = 0; i < 6; i++) { switch (i % 3) { case 0: n += 1; break; case 1: continue; default: n += 10; } } ASSERT(22, n); return 0; }
