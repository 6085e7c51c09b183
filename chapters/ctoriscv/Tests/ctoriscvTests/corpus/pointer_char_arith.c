#include "test.h"
int main() { char s[6] = "hello"; char *p = s; while (*p) p++; ASSERT(5, p - s); return 0; }
