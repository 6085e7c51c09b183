#include "test.h"
int main() { char c = -1; ASSERT(255, c); signed char s = -1; ASSERT(-1, s); unsigned char u = 300; ASSERT(44, u); return 0; }
