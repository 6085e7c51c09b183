#include "test.h"
int main() { char *s = "abc"; ASSERT(97, s[0]); ASSERT(0, s[3]); ASSERT(4, sizeof("abc")); return 0; }
