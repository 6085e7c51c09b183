#include "test.h"
int main() { long long a = 4294967296LL; ASSERT(1, -a == -4294967296LL); ASSERT(1, -(-a) == a); ASSERT(1, !(a - a)); return 0; }
