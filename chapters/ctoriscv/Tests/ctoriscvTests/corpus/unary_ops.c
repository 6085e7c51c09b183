#include "test.h"
int main() { int a = 5; ASSERT(-5, -a); ASSERT(5, +a); ASSERT(0, !a); ASSERT(1, !0); ASSERT(-6, ~a); return 0; }
