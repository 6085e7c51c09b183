#include "test.h"
struct V { int tag; union { int i; char c; } u; };
int main() { struct V v; v.tag = 1; v.u.i = 65; ASSERT(65, v.u.c); ASSERT(8, sizeof v); return 0; }
