#include "test.h"
struct P { int x, y; char name[5]; };
int main() { struct P a, b; a.x = 1; a.y = 2; a.name[3] = 9; b = a; ASSERT(2, b.y); ASSERT(9, b.name[3]); return 0; }
