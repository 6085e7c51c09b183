#include "test.h"
int main() { int x = 5; switch (x) { case 1: x = 0; } ASSERT(5, x); return 0; }
