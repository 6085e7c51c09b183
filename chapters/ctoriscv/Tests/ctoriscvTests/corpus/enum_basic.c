#include "test.h"
enum Color { RED, GREEN, BLUE };
int main() { enum Color c = BLUE; ASSERT(2, c); ASSERT(0, RED); ASSERT(4, sizeof(enum Color)); return 0; }
