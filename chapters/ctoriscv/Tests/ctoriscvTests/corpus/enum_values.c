#include "test.h"
enum { A = 5, B, C = 10, D, E = -1, F };
int main() { ASSERT(6, B); ASSERT(11, D); ASSERT(0, F); return 0; }
