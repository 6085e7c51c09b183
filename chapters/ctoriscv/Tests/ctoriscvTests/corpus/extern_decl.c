#include "test.h"
extern int later;
int get(void) { return later; }
int later = 8;
int main() { ASSERT(8, get()); return 0; }
