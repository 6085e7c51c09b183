#include "test.h"
int main() { int i = 0, n = 0; do { i++; if (i == 2) continue; n++; } while (i < 4); ASSERT(3, n); return 0; }
