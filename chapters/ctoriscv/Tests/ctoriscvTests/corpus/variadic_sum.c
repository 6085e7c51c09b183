#include "test.h"
#include <stdarg.h>
int sum(int n, ...) { va_list ap; int s = 0; va_start(ap, n); while (n--) s += va_arg(ap, int); va_end(ap); return s; }
int main() { ASSERT(15, sum(5, 1, 2, 3, 4, 5)); ASSERT(0, sum(0)); ASSERT(45, sum(9, 1, 2, 3, 4, 5, 6, 7, 8, 9)); return 0; }
