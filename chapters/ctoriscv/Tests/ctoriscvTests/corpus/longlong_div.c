#include "test.h"
int main() { long long a = 1000000000000LL; ASSERT(1, a / 7 == 142857142857LL); ASSERT(1, a % 7 == 1); ASSERT(1, -a / 7 == -142857142857LL); ASSERT(1, -a % 7 == -1); return 0; }
