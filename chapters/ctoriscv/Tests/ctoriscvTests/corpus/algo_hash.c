#include "test.h"
unsigned hash(const char *s) { unsigned h = 5381; while (*s) h = h * 33 + *s++; return h; }
int main() { ASSERT(1, hash("abc") == 193485963u); return 0; }
