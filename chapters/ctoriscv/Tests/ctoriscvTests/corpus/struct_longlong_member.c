#include "test.h"
struct S { char c; long long v; };
int main() { struct S s; s.v = 1LL << 33; ASSERT(16, sizeof s); ASSERT(1, s.v == 8589934592LL); return 0; }
