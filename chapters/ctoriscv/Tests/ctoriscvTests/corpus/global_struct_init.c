#include "test.h"
struct P { int x; char c; int y[2]; } p = {1, 2, {3, 4}};
int main() { ASSERT(1, p.x); ASSERT(2, p.c); ASSERT(4, p.y[1]); return 0; }
