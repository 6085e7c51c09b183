#include "test.h"
int main() { long long a = 4294967295LL; a++; ASSERT(1, a == 4294967296LL); a -= 2; ASSERT(1, a == 4294967294LL); a *= 2; ASSERT(1, a == 8589934588LL); return 0; }
