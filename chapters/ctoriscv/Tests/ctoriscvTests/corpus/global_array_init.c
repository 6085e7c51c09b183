#include "test.h"
int a[5] = {1, 2, 3}; int main() { ASSERT(3, a[2]); ASSERT(0, a[4]); return 0; }
