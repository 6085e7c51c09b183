#include "test.h"
int puts(const char *s); int putchar(int c);
int main() { puts("line"); putchar(120); putchar(10); return 0; }
