#include "test.h"
int main() { char comp[100]; int i, j, n = 0; for (i = 0; i < 100; i++) comp[i] = 0; for (i = 2; i < 100; i++) { if (comp[i]) continue; n++; for (j = i * i; j < 100; j += i) comp[j] = 1; } ASSERT(25, n); return 0; }
