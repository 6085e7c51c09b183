#include "test.h"
int main() { ASSERT(1, sizeof(char)); ASSERT(2, sizeof(short)); ASSERT(4, sizeof(int)); ASSERT(4, sizeof(long)); ASSERT(8, sizeof(long long)); ASSERT(4, sizeof(int *)); ASSERT(4, sizeof(unsigned long)); return 0; }
