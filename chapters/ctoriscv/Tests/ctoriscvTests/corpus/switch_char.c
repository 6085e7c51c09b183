#include "test.h"
int main() { char c = 'b'; int r; switch (c) { case 'a': r = 1; break; case 'b': r = 2; break; default: r = 0; } ASSERT(2, r); return 0; }
