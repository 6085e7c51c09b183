#include "test.h"
int counter(void) { static int n; static int m = 10; n++; m++; return n * 100 + m; }
int main() { counter(); ASSERT(212, counter()); return 0; }
