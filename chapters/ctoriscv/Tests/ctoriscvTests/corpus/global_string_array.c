#include "test.h"
char *names[] = {"ab", "cde", 0};
int main() { ASSERT(3, sizeof(names) / sizeof(names[0])); ASSERT(100, names[1][1]); ASSERT(1, names[2] == 0); return 0; }
