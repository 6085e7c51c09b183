/* #if: the operand that &&, || and ?: never evaluate may divide by zero. */
#include "test.h"
#if 0 && (1 / 0)
#error "0 && ... is false"
#endif
#if 1 || (1 / 0)
int a = 1;
#else
#error "1 || ... is true"
#endif
#if (1 ? 2 : (1 / 0)) != 2
#error "?: picks the second operand"
#endif
#if (0 ? (1 % 0) : 3) != 3
#error "?: picks the third operand"
#endif
#if defined(NOTHING) && NOTHING / 0
#error "undefined macro"
#endif
#if 0 && (1 / 0) || 5 / 5
int b = 2;
#endif
int main() {
    ASSERT(1, a);
    ASSERT(2, b);
    return 0;
}
