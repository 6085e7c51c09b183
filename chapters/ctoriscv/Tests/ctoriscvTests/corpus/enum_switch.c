#include "test.h"
enum Op { ADD, SUB };
int apply(enum Op op, int a, int b) { switch (op) { case ADD: return a + b; case SUB: return a - b; } return 0; }
int main() { ASSERT(7, apply(ADD, 3, 4)); ASSERT(-1, apply(SUB, 3, 4)); return 0; }
