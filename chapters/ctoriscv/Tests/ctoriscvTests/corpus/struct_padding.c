#include "test.h"
struct S { char c; int i; char d; };
struct T { char a; short b; char c; };
int main() { ASSERT(12, sizeof(struct S)); ASSERT(6, sizeof(struct T)); return 0; }
