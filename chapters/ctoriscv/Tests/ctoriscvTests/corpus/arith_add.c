#include "test.h"
int main() { ASSERT(7, 3 + 4); ASSERT(-1, 3 - 4); return 0; }
