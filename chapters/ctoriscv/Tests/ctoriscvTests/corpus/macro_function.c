#include "test.h"
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define SQ(x) ((x) * (x))
int main() { ASSERT(5, MAX(3, 5)); ASSERT(16, SQ(2 + 2)); return 0; }
