#include "test.h"
#define A B + 1
#define B 2
#define F(x) (x * 10)
int main() { ASSERT(3, A); ASSERT(12, F(A)); return 0; }
