#include "test.h"
union U { char c; int i; short s[3]; };
int main() { ASSERT(8, sizeof(union U)); return 0; }
