#include <stdarg.h>
struct Pair { int a, b; }; struct Six { short x, y, z; }; struct LL { long long v; }; struct Big { int a[5]; char tag; };
int o_pair(int before, struct Pair p, int after); int o_six(struct Six s); long long o_ll(int pad, struct LL x);
int o_big(struct Big b); struct Pair o_make(int a, int b); struct Big o_bigret(int k);
int o_many(int a, int b, int c, int d, int e, int f, int g, struct Pair p, struct Pair q);
long long o_split(int a1, int a2, int a3, int a4, int a5, int a6, int a7, long long x, int y);
long long o_var(int n, ...);
int g_pair(int before, struct Pair p, int after) { return before * 1000 + p.a * 100 + p.b * 10 + after; }
int g_six(struct Six s) { return s.x + s.y * 10 + s.z * 100; }
long long g_ll(int pad, struct LL x) { return x.v + pad; }
int g_big(struct Big b) { return b.a[0] + b.a[4] + b.tag; }
struct Pair g_make(int a, int b) { struct Pair p; p.a = a; p.b = b; return p; }
struct Big g_bigret(int k) { struct Big b; int i; for (i = 0; i < 5; i++) b.a[i] = k * i + (k == 3 ? 0 : 1); b.tag = k; return b; }
int g_many(int a, int b, int c, int d, int e, int f, int g, struct Pair p, struct Pair q) { return a + b + c + d + e + f + g + p.a * 3 + p.b * 5 + q.a * 7 + q.b * 11; }
long long g_split(int a1, int a2, int a3, int a4, int a5, int a6, int a7, long long x, int y) { return x * 3 + y + a7; }
int g_var(int n, ...) { va_list ap; long long s = 0; va_start(ap, n); while (n--) { s += va_arg(ap, int); s += va_arg(ap, long long); } va_end(ap); return (int)(s % 1000) + (int)(s >> 35) * 1000; }
int g_check_ours(void) {
    struct Pair p = {1, 2}, q = {3, 4}; struct Six x = {1, 2, 3}; struct LL l = {1LL << 40}; struct Big b = {{1, 2, 3, 4, 5}, 6}; struct Big r;
    if (o_pair(9, p, 5) != 9125) return 11;
    if (o_six(x) != 321) return 12;
    if (o_ll(1, l) != (1LL << 40) + 1) return 13;
    if (o_big(b) != 12) return 14;
    if (o_make(7, 8).b != 8) return 15;
    r = o_bigret(3); if (r.a[4] != 12 || r.tag != 3) return 16;
    if (o_many(1, 2, 3, 4, 5, 6, 7, p, q) != 28 + 3 + 10 + 21 + 44) return 17;
    if (o_split(1, 2, 3, 4, 5, 6, 7, 10000000000LL, 5) != 30000000012LL) return 18;
    if (o_var(3, 1, 2LL, 3, 4LL << 33, 5, 6LL) != 17 + (4LL << 33)) return 19;
    return 0;
}
