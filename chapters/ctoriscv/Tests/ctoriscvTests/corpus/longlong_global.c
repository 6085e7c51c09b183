#include "test.h"
long long g = 0x123456789ALL; long long h;
int main() { ASSERT(1, g == 78187493530LL); h = g * 2; ASSERT(1, h == 156374987060LL); return 0; }
