#include "test.h"
int low(c) char c; { return c; }
int main() { ASSERT(44, low(300)); return 0; }
