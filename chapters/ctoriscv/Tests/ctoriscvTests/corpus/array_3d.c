#include "test.h"
int main() { int a[2][3][4]; a[1][2][3] = 7; ASSERT(7, *(*(*(a + 1) + 2) + 3)); ASSERT(96, sizeof a); return 0; }
