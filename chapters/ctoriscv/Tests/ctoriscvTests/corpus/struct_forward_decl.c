#include "test.h"
struct B;
struct A { struct B *b; int x; };
struct B { int y; };
int main() { struct A a; struct B b; b.y = 4; a.b = &b; ASSERT(4, a.b->y); return 0; }
