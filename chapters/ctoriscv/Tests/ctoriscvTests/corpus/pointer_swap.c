#include "test.h"
void swap(int *a, int *b) { int t = *a; *a = *b; *b = t; }
int main() { int x = 1, y = 2; swap(&x, &y); ASSERT(2, x); ASSERT(1, y); return 0; }
