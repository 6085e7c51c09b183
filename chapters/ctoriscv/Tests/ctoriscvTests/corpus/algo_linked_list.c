#include "test.h"
struct N { int v; struct N *next; };
struct N pool[10]; int used;
struct N *push(struct N *head, int v) { struct N *n = &pool[used++]; n->v = v; n->next = head; return n; }
int main() { struct N *h = 0; int i, s = 0; for (i = 1; i <= 4; i++) h = push(h, i); ASSERT(4, h->v); while (h) { s = s * 10 + h->v; h = h->next; } ASSERT(4321, s); return 0; }
