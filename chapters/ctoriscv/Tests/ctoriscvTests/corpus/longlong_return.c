#include "test.h"
long long big(void) { return 1LL << 50; }
int main() { ASSERT(1, big() == 1125899906842624LL); ASSERT(1, (int)(big() >> 48) == 4); return 0; }
