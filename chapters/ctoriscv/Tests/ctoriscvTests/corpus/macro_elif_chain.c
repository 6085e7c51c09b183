#include "test.h"
#define X 2
#if X == 1
int v = 1;
#elif X == 2
int v = 2;
#elif X == 2
int v = 3;
#endif
int main() { ASSERT(2, v); return 0; }
