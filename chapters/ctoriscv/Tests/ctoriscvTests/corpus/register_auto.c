#include "test.h"
int main() { register int r = 3; auto int a = 4; ASSERT(7, r + a); return 0; }
