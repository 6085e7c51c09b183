#include "test.h"
int g;
void set(int x) { g = x; return; }
void noop(void) {}
int main() { set(4); noop(); ASSERT(4, g); return 0; }
