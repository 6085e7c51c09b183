/* C99 compound literals: unnamed objects, local (initialized where they stand) and file scope. */
#include "test.h"
struct S { int a, b; };
int sum(const int *p, int n) { int s = 0; while (n--) s += *p++; return s; }
int dot(struct S *s) { return s->a * 10 + s->b; }
struct S *gs = &(struct S){ 3, 4 };
int *garr = (int[]){ 5, 6, 7 };
int main() {
    int i, total = 0;
    struct S *p = &(struct S){ 1, 2 };
    ASSERT(12, dot(p));
    ASSERT(34, dot(gs));
    ASSERT(18, sum(garr, 3));
    ASSERT(10, sum((int[]){ 1, 2, 3, 4 }, 4));
    ASSERT(7, ((struct S){ 7, 8 }.a));
    ASSERT(8, ((struct S){ .b = 8 }).b);
    ASSERT(0, ((struct S){ .b = 8 }).a);
    ASSERT(5, (int){ 5 });
    for (i = 0; i < 3; i++) { int *q = (int[2]){ i, i * 2 }; total += q[0] + q[1]; }
    ASSERT(9, total);
    p->a = 40;
    ASSERT(402, dot(p));
    ASSERT(12, sizeof((int[3]){ 0 }));
    return 0;
}
