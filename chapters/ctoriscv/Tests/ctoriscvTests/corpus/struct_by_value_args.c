#include "test.h"
struct Small { char c; short s; };
struct Pair { int a, b; };
struct Six { short x, y, z; };
struct LL { long long v; };
struct Big { int a[5]; char tag; };
int small(struct Small s) { return s.c + s.s; }
int pair(int before, struct Pair p, int after) { return before * 1000 + p.a * 100 + p.b * 10 + after; }
int six(struct Six s) { return s.x + s.y * 10 + s.z * 100; }
long long ll(int pad, struct LL x) { return x.v + pad; }
int big(struct Big b) { b.a[0] = 99; return b.a[0] + b.a[4] + b.tag; }
int many(int a, int b, int c, int d, int e, int f, int g, struct Pair p, struct Pair q) { return a + b + c + d + e + f + g + p.a + p.b + q.a + q.b; }
int main() {
    struct Small s; struct Pair p; struct Six x; struct LL l; struct Big b; int i;
    s.c = 3; s.s = 400; p.a = 1; p.b = 2; x.x = 1; x.y = 2; x.z = 3; l.v = 1LL << 40;
    for (i = 0; i < 5; i++) b.a[i] = i; b.tag = 7;
    ASSERT(403, small(s));
    ASSERT(9125, pair(9, p, 5));
    ASSERT(321, six(x));
    ASSERT(1, ll(1, l) == (1LL << 40) + 1);
    ASSERT(110, big(b));
    ASSERT(0, b.a[0]);
    ASSERT(34, many(1, 2, 3, 4, 5, 6, 7, p, p));
    return 0;
}
