#include "test.h"
union U { int i; char c; } g = {258};
int main() { union U u = {513}; ASSERT(1, u.i >> 9); ASSERT(2, g.c); return 0; }
