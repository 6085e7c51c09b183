#include "test.h"
int cols[8], n;
int ok(int r, int c) { int i; for (i = 0; i < r; i++) { int d = cols[i] - c; if (d == 0 || d == r - i || d == i - r) return 0; } return 1; }
void solve(int r) { int c; if (r == 8) { n++; return; } for (c = 0; c < 8; c++) if (ok(r, c)) { cols[r] = c; solve(r + 1); } }
int main() { solve(0); ASSERT(92, n); return 0; }
