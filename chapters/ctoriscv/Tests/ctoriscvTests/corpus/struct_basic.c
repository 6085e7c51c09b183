#include "test.h"
struct P { int x; int y; };
int main() { struct P p; p.x = 1; p.y = 2; ASSERT(3, p.x + p.y); ASSERT(8, sizeof(struct P)); return 0; }
