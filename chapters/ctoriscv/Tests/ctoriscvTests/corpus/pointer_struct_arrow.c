#include "test.h"
struct S { int a, b; };
int main() { struct S s; struct S *p = &s; p->a = 3; p->b = 4; ASSERT(7, s.a + s.b); return 0; }
