#include "test.h"
enum { N = 4, M = N * 2 };
int a[M];
int main() { ASSERT(32, sizeof a); ASSERT(8, M); return 0; }
