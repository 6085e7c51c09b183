#include "test.h"
void each(int *a, int n, void (*f)(int *)) { int i; for (i = 0; i < n; i++) f(&a[i]); }
void dbl(int *p) { *p *= 2; }
int main() { int a[3] = {1, 2, 3}; each(a, 3, dbl); ASSERT(12, a[0] + a[1] + a[2]); return 0; }
