#include "test.h"
struct P { int x; char c; int arr[3]; };
int main() { struct P p = {1, 2, {3, 4}}; ASSERT(1, p.x); ASSERT(4, p.arr[1]); ASSERT(0, p.arr[2]); return 0; }
