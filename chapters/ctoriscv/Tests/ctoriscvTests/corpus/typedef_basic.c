#include "test.h"
typedef int myint; typedef myint *intptr;
int main() { myint x = 3; intptr p = &x; ASSERT(3, *p); return 0; }
