#include "test.h"
int main() { int a[] = {4, 5, 6, 7}; ASSERT(16, sizeof(a)); ASSERT(7, a[3]); return 0; }
