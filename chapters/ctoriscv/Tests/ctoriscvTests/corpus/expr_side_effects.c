#include "test.h"
int main() { int i = 0, a[3] = {0, 0, 0}; a[i++] = i; ASSERT(1, i); int x = 1; x += x++ * 0; return 0; }
