#include "test.h"
int main() { int i; for (i = 0; i < 5; i++) ; ; ; ASSERT(5, i); return 0; }
