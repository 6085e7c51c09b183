#include "test.h"
int main() { int i = 0; again: i++; if (i < 5) goto again; ASSERT(5, i); return 0; }
