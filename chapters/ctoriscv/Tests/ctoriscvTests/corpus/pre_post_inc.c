#include "test.h"
int main() { int a = 5; ASSERT(5, a++); ASSERT(6, a); ASSERT(7, ++a); ASSERT(7, a--); ASSERT(5, --a); return 0; }
