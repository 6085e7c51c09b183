#include "test.h"
int main() { int a[10]; char c; int *p; ASSERT(40, sizeof a); ASSERT(1, sizeof c); ASSERT(4, sizeof p); ASSERT(4, sizeof(a[0])); ASSERT(4, sizeof(c + 1)); ASSERT(4, sizeof &a); return 0; }
