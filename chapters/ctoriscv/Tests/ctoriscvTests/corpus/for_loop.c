#include "test.h"
int main() { int i, s = 0; for (i = 1; i <= 10; i++) s += i; ASSERT(55, s); return 0; }
