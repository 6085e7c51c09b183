#include "test.h"
typedef struct { int x, y; } Point;
typedef struct Node Node; struct Node { int v; Node *next; };
int main() { Point p = {1, 2}; Node n; n.v = 5; n.next = &n; ASSERT(3, p.x + p.y); ASSERT(5, n.next->v); return 0; }
