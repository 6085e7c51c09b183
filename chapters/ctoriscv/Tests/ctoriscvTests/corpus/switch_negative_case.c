#include "test.h"
int main() { int r = 0; switch (-3) { case -3: r = 3; break; case 3: r = 4; } ASSERT(3, r); return 0; }
