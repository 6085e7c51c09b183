#include "test.h"
typedef int Vec[3];
int main() { Vec v = {1, 2, 3}; ASSERT(12, sizeof(Vec)); ASSERT(3, v[2]); return 0; }
