#include "test.h"
int inc(int x) { return x + 1; }
int (*pick(void))(int) { return inc; }
int main() { ASSERT(6, pick()(5)); return 0; }
