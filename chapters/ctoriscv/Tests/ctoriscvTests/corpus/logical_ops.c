#include "test.h"
int main() { ASSERT(1, 1 && 2); ASSERT(0, 1 && 0); ASSERT(1, 0 || 3); ASSERT(0, 0 || 0); return 0; }
