#include "test.h"
int g1; int g2 = 7; int main() { ASSERT(0, g1); g1 = 3; ASSERT(10, g1 + g2); return 0; }
