#include "test.h"
int t; int t; int t = 3;
int main() { ASSERT(3, t); return 0; }
