#include "test.h"
#include <stdarg.h>
long long pick(int n, ...) { va_list ap; long long r = 0; va_start(ap, n); while (n--) r += va_arg(ap, long long); va_end(ap); return r; }
int main() { ASSERT(1, pick(2, 1LL << 40, 5LL) == 1099511627781LL); return 0; }
