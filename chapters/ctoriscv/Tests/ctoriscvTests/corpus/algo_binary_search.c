#include "test.h"
int find(int *a, int n, int x) { int lo = 0, hi = n - 1; while (lo <= hi) { int mid = (lo + hi) / 2; if (a[mid] == x) return mid; if (a[mid] < x) lo = mid + 1; else hi = mid - 1; } return -1; }
int main() { int a[7] = {1, 3, 5, 7, 9, 11, 13}; ASSERT(4, find(a, 7, 9)); ASSERT(-1, find(a, 7, 4)); return 0; }
