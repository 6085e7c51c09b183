#include "test.h"
int m[2][3] = {{1, 2, 3}, {4, 5, 6}};
int main() { ASSERT(6, m[1][2]); ASSERT(2, m[0][1]); return 0; }
