#include "test.h"
int main() { char *s = "\n\t\\\"\x41\101\0"; ASSERT(10, s[0]); ASSERT(9, s[1]); ASSERT(92, s[2]); ASSERT(34, s[3]); ASSERT(65, s[4]); ASSERT(65, s[5]); ASSERT(0, s[6]); return 0; }
