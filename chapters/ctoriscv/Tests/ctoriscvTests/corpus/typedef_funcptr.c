#include "test.h"
typedef int (*BinOp)(int, int);
int add(int a, int b) { return a + b; }
int apply(BinOp f, int a, int b) { return f(a, b); }
int main() { ASSERT(9, apply(add, 4, 5)); return 0; }
