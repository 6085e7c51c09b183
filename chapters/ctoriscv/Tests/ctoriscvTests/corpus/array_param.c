#include "test.h"
int sum(int a[], int n) { int s = 0, i; for (i = 0; i < n; i++) s += a[i]; return s; }
int main() { int a[4] = {1, 2, 3, 4}; ASSERT(10, sum(a, 4)); return 0; }
