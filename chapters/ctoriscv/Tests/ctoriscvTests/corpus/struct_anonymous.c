#include "test.h"
int main() { struct { int a; char b; } s; s.a = 3; s.b = 4; ASSERT(7, s.a + s.b); return 0; }
