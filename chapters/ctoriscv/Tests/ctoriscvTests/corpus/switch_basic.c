#include "test.h"
int f(int x) { switch (x) { case 1: return 10; case 2: return 20; default: return 30; } }
int main() { ASSERT(10, f(1)); ASSERT(20, f(2)); ASSERT(30, f(9)); return 0; }
