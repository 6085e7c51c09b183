#include "test.h"
int main() { int *p = 0; ASSERT(1, p == 0); ASSERT(1, !p); p = (int *)4; ASSERT(1, p != 0); return 0; }
