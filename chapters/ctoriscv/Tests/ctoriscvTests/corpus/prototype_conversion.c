#include "test.h"
int take(char c) { return c; }
int main() { ASSERT(44, take(300)); return 0; }
