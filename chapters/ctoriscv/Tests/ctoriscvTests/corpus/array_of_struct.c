#include "test.h"
struct P { int x, y; };
int main() { struct P ps[3] = {{1, 2}, {3, 4}, {5, 6}}; ASSERT(6, ps[2].y); ASSERT(24, sizeof ps); return 0; }
