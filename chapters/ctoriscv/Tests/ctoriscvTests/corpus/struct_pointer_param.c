#include "test.h"
struct P { int x, y; };
void scale(struct P *p, int k) { p->x *= k; p->y *= k; }
int main() { struct P p = {2, 3}; scale(&p, 4); ASSERT(20, p.x + p.y); return 0; }
