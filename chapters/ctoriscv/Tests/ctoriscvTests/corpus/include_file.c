#include "test.h"
#include "helper.h"
int main() { ASSERT(42, HELPER_VALUE); ASSERT(9, helper_add(4, 5)); return 0; }
