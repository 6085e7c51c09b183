#include "test.h"
int main() { int big = 123456789; ASSERT(1, big == 123456789); int neg = -2147483647 - 1; ASSERT(1, neg < 0); unsigned u = 4000000000u; ASSERT(1, u > 3999999999u); return 0; }
