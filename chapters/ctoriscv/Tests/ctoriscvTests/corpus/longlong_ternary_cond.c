#include "test.h"
int main() { long long a = 4294967296LL; ASSERT(1, a ? 1 : 0); ASSERT(1, a && 1); while (a) a >>= 1; ASSERT(1, a == 0); return 0; }
