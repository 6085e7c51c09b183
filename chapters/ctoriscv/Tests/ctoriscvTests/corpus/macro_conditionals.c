#include "test.h"
#define LEVEL 3
#if LEVEL > 2 && defined(LEVEL)
int a = 1;
#elif LEVEL > 1
int a = 2;
#else
int a = 3;
#endif
#ifndef MISSING
int b = 4;
#endif
#if 0
#error not here
#endif
int main() { ASSERT(1, a); ASSERT(4, b); return 0; }
