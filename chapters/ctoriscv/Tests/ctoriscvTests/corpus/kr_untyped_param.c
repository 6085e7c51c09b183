#include "test.h"
int twice(x) { return x * 2; }
int main() { ASSERT(14, twice(7)); return 0; }
