#include "test.h"
int main() { ASSERT(97, 'a'); ASSERT(10, '\n'); ASSERT(0, '\0'); ASSERT(39, '\''); ASSERT(255, '\xff' & 255); return 0; }
