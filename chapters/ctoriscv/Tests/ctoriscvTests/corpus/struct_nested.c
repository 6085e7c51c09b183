#include "test.h"
struct In { int a; char b; }; struct Out { struct In i; int c; };
int main() { struct Out o; o.i.a = 5; o.i.b = 6; o.c = 7; ASSERT(18, o.i.a + o.i.b + o.c); ASSERT(12, sizeof o); return 0; }
