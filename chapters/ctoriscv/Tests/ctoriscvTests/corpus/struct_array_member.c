#include "test.h"
struct M { int rows[3][2]; };
int main() { struct M m; m.rows[2][1] = 5; ASSERT(5, m.rows[2][1]); ASSERT(24, sizeof(m)); return 0; }
