#include "test.h"
#include <stdarg.h>
int f(char *fmt, ...) { va_list ap; int s = 0; va_start(ap, fmt); while (*fmt) { if (*fmt == 'i') s += va_arg(ap, int); else s += *va_arg(ap, char *); fmt++; } va_end(ap); return s; }
int main() { ASSERT(106, f("isi", 3, "a", 6)); return 0; }
