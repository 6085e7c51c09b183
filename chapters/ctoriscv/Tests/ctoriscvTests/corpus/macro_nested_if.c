#include "test.h"
#if 1
# if 0
int v = 1;
# else
int v = 2;
# endif
#else
int v = 3;
#endif
int main() { ASSERT(2, v); return 0; }
