#include "test.h"
int main() { int i = 0, s = 0; while (i < 10) { s += i; i++; } ASSERT(45, s); return 0; }
