#include "test.h"
int main() { unsigned long long a = 0xFFFFFFFFFFFFFFFFULL; ASSERT(1, a / 3 == 0x5555555555555555ULL); ASSERT(1, a % 10 == 5); return 0; }
