#include "test.h"
int main() { int s = 0; for (int i = 0; i < 4; i++) s += i; ASSERT(6, s); return 0; }
