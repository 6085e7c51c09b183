#include "test.h"
#define ADD3(a, b, c) \
  ((a) + \
   (b) + (c))
int main() { ASSERT(6, ADD3(1, 2, 3)); return 0; }
