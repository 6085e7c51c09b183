/* C99 qualifiers and static inside a parameter's array brackets; restrict pointers. */
#include "test.h"
int first(int x[const 5]) { return x[0]; }
int second(int x[static 3]) { return x[1]; }
int third(const int n, int x[restrict volatile]) { return x[n]; }
int copy(int *restrict d, const int *restrict s, int n) { int i; for (i = 0; i < n; i++) d[i] = s[i]; return n; }
int rows(int m[static 2][3]) { return m[1][2]; }
int main() {
    int a[5] = { 4, 5, 6, 7, 8 };
    int b[5];
    int m[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
    ASSERT(4, first(a));
    ASSERT(5, second(a));
    ASSERT(6, third(2, a));
    ASSERT(5, copy(b, a, 5));
    ASSERT(8, b[4]);
    ASSERT(6, rows(m));
    return 0;
}
