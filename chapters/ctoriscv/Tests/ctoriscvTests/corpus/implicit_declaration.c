#include "test.h"
int main() { ASSERT(6, later(3)); return 0; }
int later(int x) { return x * 2; }
