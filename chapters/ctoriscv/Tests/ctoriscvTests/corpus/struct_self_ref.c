#include "test.h"
struct Node { int v; struct Node *next; };
int main() { struct Node a, b, c; a.v = 1; b.v = 2; c.v = 3; a.next = &b; b.next = &c; c.next = 0; int s = 0; struct Node *p; for (p = &a; p; p = p->next) s += p->v; ASSERT(6, s); return 0; }
