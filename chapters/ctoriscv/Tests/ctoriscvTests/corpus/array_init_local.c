#include "test.h"
int main() { int a[5] = {1, 2}; ASSERT(2, a[1]); ASSERT(0, a[4]); return 0; }
