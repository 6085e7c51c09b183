#include "test.h"
struct Pair { int a, b; };
struct Big { int a[4]; long long t; };
struct Tiny { char c; };
struct Pair make(int a, int b) { struct Pair p; p.a = a; p.b = b; return p; }
struct Big big(int k) { struct Big b; int i; for (i = 0; i < 4; i++) b.a[i] = k + i; b.t = (long long)k << 33; return b; }
struct Tiny tiny(void) { struct Tiny t = {'z'}; return t; }
struct Pair swap(struct Pair p) { struct Pair q; q.a = p.b; q.b = p.a; return q; }
struct Pair (*fp)(struct Pair) = swap;
int main() {
    struct Pair p = make(3, 4);
    struct Big b;
    ASSERT(3, p.a); ASSERT(4, p.b);
    ASSERT(7, make(5, 7).b);
    b = big(10);
    ASSERT(13, b.a[3]); ASSERT(1, b.t == (10LL << 33));
    ASSERT(12, big(12).a[0]);
    ASSERT('z', tiny().c);
    p = swap(swap(swap(p)));
    ASSERT(4, p.a); ASSERT(3, p.b);
    ASSERT(4, fp(p).b);
    return 0;
}
