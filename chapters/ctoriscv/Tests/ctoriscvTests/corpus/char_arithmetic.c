#include "test.h"
int main() { char c = 'a'; c += 2; ASSERT(99, c); ASSERT(1, c - 'a' == 2); ASSERT(1, '0' + 5 == '5'); return 0; }
