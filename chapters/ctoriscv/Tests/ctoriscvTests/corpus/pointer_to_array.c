#include "test.h"
int main() { int a[2][3] = {{1,2,3},{4,5,6}}; int (*p)[3] = a; ASSERT(5, p[1][1]); p++; ASSERT(4, (*p)[0]); return 0; }
