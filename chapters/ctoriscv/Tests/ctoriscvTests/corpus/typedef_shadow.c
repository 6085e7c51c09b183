#include "test.h"
typedef int T;
int main() { int T = 5; ASSERT(5, T); return 0; }
