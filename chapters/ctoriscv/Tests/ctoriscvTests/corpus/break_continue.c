#include "test.h"
int main() { int i, s = 0; for (i = 0; i < 10; i++) { if (i == 7) break; if (i % 2) continue; s += i; } ASSERT(12, s); return 0; }
