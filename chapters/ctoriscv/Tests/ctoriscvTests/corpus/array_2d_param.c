#include "test.h"
int get(int m[][3], int i, int j) { return m[i][j]; }
int main() { int m[2][3] = {{1,2,3},{4,5,6}}; ASSERT(6, get(m, 1, 2)); return 0; }
