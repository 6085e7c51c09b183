#include "test.h"
int a = 3 * 4 + (1 << 3); char c = -1; short s = 70000; int arr[2 + 3];
int main() { ASSERT(20, a); ASSERT(255, c); ASSERT(4464, s); ASSERT(20, sizeof arr); return 0; }
