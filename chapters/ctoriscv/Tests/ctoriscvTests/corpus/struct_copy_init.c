#include "test.h"
struct P { int x, y; };
int main() { struct P a = {5, 6}; struct P b = a; ASSERT(6, b.y); return 0; }
