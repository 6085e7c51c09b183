/* C99 designated initializers: arrays and structs, nested, mixed with positional ones,
   duplicates (the later one overrides, as in gcc), local and global. */
#include "test.h"
struct P { int a, b, c; };
struct Q { char tag; struct P p; int arr[3]; };
union U { int i; char c[4]; };
int g1[5] = { [2] = 2, 3 };
int g2[] = { [4] = 9 };
struct P gp = { .b = 2, .a = 1 };
int g3[3][2] = { [1] = { 3, 4 } };
struct Q gq = { .p.b = 5, 6, .arr = { [2] = 7 }, .tag = 'x' };
union U gu = { .c = { 1, 2 } };
int g4[4] = { [1] = 1, [1] = 5, [0] = 4 };
struct P gps[3] = { [2].c = 8, [0] = { .b = 1 } };
int main() {
    int l1[5] = { [2] = 2, 3 };
    struct P lp = { .c = 3, .a = 1 };
    int l3[3][2] = { [1] = { 3, 4 }, [2][1] = 6 };
    struct Q lq = { .p = { 1, 2 }, .p.c = 9, .arr[1] = 4, 5 };
    int l4[] = { 1, [5] = 6, 7 };
    union U lu = { .c[1] = 3 };
    int l5[3] = { [0] = 1, [0] = 2 };
    struct P lps[2] = { [1] = { 7, 8, 9 }, [1].b = 0 };
    ASSERT(0, g1[0]); ASSERT(0, g1[1]); ASSERT(2, g1[2]); ASSERT(3, g1[3]); ASSERT(0, g1[4]);
    ASSERT(5, sizeof(g2) / sizeof(g2[0])); ASSERT(9, g2[4]); ASSERT(0, g2[3]);
    ASSERT(1, gp.a); ASSERT(2, gp.b); ASSERT(0, gp.c);
    ASSERT(0, g3[0][1]); ASSERT(3, g3[1][0]); ASSERT(4, g3[1][1]); ASSERT(0, g3[2][0]);
    ASSERT('x', gq.tag); ASSERT(0, gq.p.a); ASSERT(5, gq.p.b); ASSERT(6, gq.p.c);
    ASSERT(0, gq.arr[0]); ASSERT(7, gq.arr[2]);
    ASSERT(1, gu.c[0]); ASSERT(2, gu.c[1]); ASSERT(0, gu.c[2]);
    ASSERT(4, g4[0]); ASSERT(5, g4[1]); ASSERT(0, g4[2]);
    ASSERT(8, gps[2].c); ASSERT(0, gps[2].a); ASSERT(1, gps[0].b); ASSERT(0, gps[1].a);
    ASSERT(0, l1[1]); ASSERT(2, l1[2]); ASSERT(3, l1[3]); ASSERT(0, l1[4]);
    ASSERT(1, lp.a); ASSERT(0, lp.b); ASSERT(3, lp.c);
    ASSERT(3, l3[1][0]); ASSERT(4, l3[1][1]); ASSERT(0, l3[2][0]); ASSERT(6, l3[2][1]);
    ASSERT(1, lq.p.a); ASSERT(2, lq.p.b); ASSERT(9, lq.p.c); ASSERT(0, lq.arr[0]); ASSERT(4, lq.arr[1]); ASSERT(5, lq.arr[2]);
    ASSERT(7, sizeof(l4) / sizeof(l4[0])); ASSERT(1, l4[0]); ASSERT(0, l4[1]); ASSERT(6, l4[5]); ASSERT(7, l4[6]);
    ASSERT(0, lu.c[0]); ASSERT(3, lu.c[1]);
    ASSERT(2, l5[0]); ASSERT(0, l5[1]);
    ASSERT(7, lps[1].a); ASSERT(0, lps[1].b); ASSERT(9, lps[1].c); ASSERT(0, lps[0].c);
    return 0;
}
