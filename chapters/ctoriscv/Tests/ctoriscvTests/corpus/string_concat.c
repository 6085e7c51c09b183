#include "test.h"
int main() { char *s = "ab" "cd"; ASSERT(100, s[3]); ASSERT(5, sizeof("ab" "cd")); return 0; }
