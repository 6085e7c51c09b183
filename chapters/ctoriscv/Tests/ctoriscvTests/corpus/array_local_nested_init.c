#include "test.h"
int main() { int a[2][3] = {{1, 2}, {4}}; ASSERT(2, a[0][1]); ASSERT(0, a[0][2]); ASSERT(4, a[1][0]); ASSERT(0, a[1][2]); return 0; }
