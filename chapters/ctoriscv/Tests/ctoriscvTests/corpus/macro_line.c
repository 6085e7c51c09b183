#include "test.h"
int main() { int l = __LINE__; ASSERT(2, l); return 0; }
