#include "test.h"
int odd(int n);
int even(int n) { return n == 0 ? 1 : odd(n - 1); }
int odd(int n) { return n == 0 ? 0 : even(n - 1); }
int main() { ASSERT(1, even(10)); ASSERT(1, odd(7)); return 0; }
