#include "test.h"
int main() { signed char c = -5; int i = c; ASSERT(-5, i); short s = -300; long long l = s; ASSERT(-300, (int)l); ASSERT(1, l < 0); return 0; }
