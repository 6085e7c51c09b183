#include "test.h"
int main() { int x = 1; goto skip; x = 2; skip: ASSERT(1, x); return 0; }
