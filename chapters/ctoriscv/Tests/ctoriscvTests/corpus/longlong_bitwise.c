#include "test.h"
int main() { long long a = 0xF0F0F0F0F0F0F0F0LL; ASSERT(1, (a & 0xFF00000000LL) == 0xF000000000LL); ASSERT(1, (a | 1) == 0xF0F0F0F0F0F0F0F1LL); ASSERT(1, (~a) == 0x0F0F0F0F0F0F0F0FLL); ASSERT(1, (a ^ a) == 0); return 0; }
