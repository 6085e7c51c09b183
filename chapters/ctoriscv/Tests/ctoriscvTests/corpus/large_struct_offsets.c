#include "test.h"
struct Big { char pad[3000]; int x; };
int main() { struct Big b; b.x = 5; ASSERT(5, b.x); struct Big *p = &b; ASSERT(5, p->x); return 0; }
