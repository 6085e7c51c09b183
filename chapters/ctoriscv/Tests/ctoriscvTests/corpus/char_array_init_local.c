#include "test.h"
int main() { char s[] = "hey"; char t[10] = "ab"; ASSERT(4, sizeof s); ASSERT(121, s[2]); ASSERT(0, t[9]); ASSERT(98, t[1]); return 0; }
