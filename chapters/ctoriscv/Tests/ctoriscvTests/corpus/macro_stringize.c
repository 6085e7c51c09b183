#include "test.h"
#define STR(x) #x
int main() { char *s = STR(hello world); ASSERT(104, s[0]); ASSERT(32, s[5]); ASSERT(12, sizeof(STR(hello world))); return 0; }
