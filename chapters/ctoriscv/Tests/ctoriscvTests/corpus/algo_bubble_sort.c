#include "test.h"
void sort(int *a, int n) { int i, j; for (i = 0; i < n; i++) for (j = 0; j + 1 < n - i; j++) if (a[j] > a[j + 1]) { int t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; } }
int main() { int a[6] = {5, 2, 9, 1, 5, 6}; int i; sort(a, 6); for (i = 0; i + 1 < 6; i++) ASSERT(1, a[i] <= a[i + 1]); ASSERT(1, a[0]); ASSERT(9, a[5]); return 0; }
