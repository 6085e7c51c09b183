#include "test.h"
int main() { int x = 7; void *v = &x; int *p = v; ASSERT(7, *p); return 0; }
