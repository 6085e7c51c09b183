#include "test.h"
#define N 10
#define TWICE_N (N * 2)
int main() { ASSERT(20, TWICE_N); return 0; }
