#include "test.h"
int m[2][2] = {1, 2, 3, 4};
int main() { ASSERT(3, m[1][0]); return 0; }
