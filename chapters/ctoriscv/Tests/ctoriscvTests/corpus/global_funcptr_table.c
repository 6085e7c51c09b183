#include "test.h"
int one(void) { return 1; } int two(void) { return 2; }
int (*tab[2])(void) = {one, two};
int main() { ASSERT(3, tab[0]() + tab[1]()); return 0; }
