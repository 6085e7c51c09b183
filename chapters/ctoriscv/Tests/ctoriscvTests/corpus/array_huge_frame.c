#include "test.h"
int main() { char big[5000]; int x = 3; big[4999] = 7; ASSERT(7, big[4999]); ASSERT(3, x); return 0; }
