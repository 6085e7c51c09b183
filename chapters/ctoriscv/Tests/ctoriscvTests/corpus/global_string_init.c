#include "test.h"
char *s = "hello"; char t[] = "abc"; char u[8] = "xy";
int main() { ASSERT(104, s[0]); ASSERT(4, sizeof(t)); ASSERT(99, t[2]); ASSERT(0, u[5]); ASSERT(8, sizeof u); return 0; }
