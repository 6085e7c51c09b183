#include "test.h"
void rev(char *s) { char *e = s; while (*e) e++; e--; while (s < e) { char t = *s; *s++ = *e; *e-- = t; } }
int main() { char s[] = "abcde"; rev(s); ASSERT(101, s[0]); ASSERT(97, s[4]); ASSERT(99, s[2]); return 0; }
