#include "test.h"
int my_strlen(char *s) { int n = 0; while (*s++) n++; return n; }
int main() { ASSERT(5, my_strlen("hello")); ASSERT(0, my_strlen("")); return 0; }
