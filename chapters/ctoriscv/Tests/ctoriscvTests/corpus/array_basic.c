#include "test.h"
int main() { int a[3]; a[0] = 1; a[1] = 2; a[2] = 3; ASSERT(6, a[0] + a[1] + a[2]); return 0; }
