#include "test.h"
static int helper(int x) { return x + 1; }
int main() { ASSERT(3, helper(2)); return 0; }
