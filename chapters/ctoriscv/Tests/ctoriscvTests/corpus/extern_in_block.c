#include "test.h"
int main() { extern int g; ASSERT(4, g); return 0; }
int g = 4;
