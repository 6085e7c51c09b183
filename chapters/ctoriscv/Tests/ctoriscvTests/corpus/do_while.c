#include "test.h"
int main() { int i = 0; do { i++; } while (i < 3); ASSERT(3, i); do i = 10; while (0); ASSERT(10, i); return 0; }
