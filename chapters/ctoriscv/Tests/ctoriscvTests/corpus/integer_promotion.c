#include "test.h"
int main() { char a = 200, b = 100; int s = a + b; ASSERT(300, s); short x = 30000; int y = x * 2; ASSERT(60000, y); return 0; }
