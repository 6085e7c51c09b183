#include "test.h"
int main() { int a, b; a = (b = 3, b + 4); ASSERT(7, a); ASSERT(3, b); return 0; }
