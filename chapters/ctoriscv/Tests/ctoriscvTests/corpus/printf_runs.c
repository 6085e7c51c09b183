#include "test.h"
int printf(const char *fmt, ...);
int main() { printf("%d %u %x %s %c\n", -5, 7u, 255, "str", 65); return 0; }
