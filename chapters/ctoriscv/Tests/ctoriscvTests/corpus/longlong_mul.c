#include "test.h"
int main() { long long a = 123456789, b = 987654321; ASSERT(1, a * b == 121932631112635269LL); long long c = -3; ASSERT(1, c * 5 == -15); return 0; }
