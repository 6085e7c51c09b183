#include "test.h"
void exit(int code);
void deep(int n) { if (n == 0) exit(0); deep(n - 1); }
int main() { deep(10); return 1; }
