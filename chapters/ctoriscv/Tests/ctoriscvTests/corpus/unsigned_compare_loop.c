#include "test.h"
int main() { unsigned i; int n = 0; for (i = 10; i > 0; i--) n++; ASSERT(10, n); return 0; }
