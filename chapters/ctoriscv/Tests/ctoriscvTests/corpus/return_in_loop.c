#include "test.h"
int find(int *a, int n) { int i; for (i = 0; i < n; i++) { if (a[i] < 0) return i; } return -1; }
int main() { int a[4] = {1, 2, -3, 4}; ASSERT(2, find(a, 4)); return 0; }
