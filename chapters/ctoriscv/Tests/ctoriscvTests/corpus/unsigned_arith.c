#include "test.h"
int main() { unsigned a = 3, b = 5; ASSERT(1, a - b > 100); ASSERT(4294967294u, a - b); ASSERT(0, (int)(a - b) > 0); return 0; }
