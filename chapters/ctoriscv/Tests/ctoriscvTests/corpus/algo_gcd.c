#include "test.h"
int gcd(int a, int b) { while (b) { int t = a % b; a = b; b = t; } return a; }
int main() { ASSERT(6, gcd(48, 18)); ASSERT(1, gcd(17, 5)); return 0; }
