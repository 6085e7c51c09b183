#include "test.h"
int main() { /* block
 comment */ int x = 1; // line comment
 ASSERT(1, x); return 0; /* trailing */ }
