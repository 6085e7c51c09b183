#include "test.h"
#define SUM(...) add3(__VA_ARGS__)
int add3(int a, int b, int c) { return a + b + c; }
int main() { ASSERT(6, SUM(1, 2, 3)); return 0; }
