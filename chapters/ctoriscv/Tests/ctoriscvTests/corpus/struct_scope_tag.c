#include "test.h"
struct S { int a; };
int main() { struct S x; x.a = 1; { struct S { char c; } y; y.c = 2; ASSERT(1, sizeof y); } ASSERT(4, sizeof x); return 0; }
