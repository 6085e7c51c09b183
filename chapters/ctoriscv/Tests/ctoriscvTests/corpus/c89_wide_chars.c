/* Wide character constants and wide strings: wchar_t is int on ILP32. */
#include "test.h"
typedef int wchar_t;
wchar_t gw[] = L"hi";
wchar_t gw8[8] = L"ab" L"c";
int main() {
    wchar_t local[] = L"xyz";
    wchar_t *p = L"wide" L"r";
    ASSERT(0, L'\0');
    ASSERT(65, L'A');
    ASSERT(4, sizeof(L'A'));
    ASSERT(-1, L'\xffffffff');
    ASSERT(0x1234, L'\x1234');
    ASSERT(0xe9, L'\xe9');
    ASSERT(0xe9, L'é'); ASSERT(0x263a, L'☺');
    ASSERT(12, sizeof(L"ab"));
    ASSERT(3, sizeof(gw) / sizeof(gw[0]));
    ASSERT(104, gw[0]); ASSERT(105, gw[1]); ASSERT(0, gw[2]);
    ASSERT(99, gw8[2]); ASSERT(0, gw8[3]); ASSERT(0, gw8[7]);
    ASSERT(16, sizeof(local));
    ASSERT(122, local[2]); ASSERT(0, local[3]);
    ASSERT(114, p[4]); ASSERT(0, p[5]);
    ASSERT(0x263a, L"\x263a"[0]);
    return 0;
}
