#include "test.h"
/* One frame with every part (lecture A, figure A.3): an array in memory, thirteen values
   live across a call (eleven s registers, then spill slots), and a call with ten argument
   words, two of them on the stack. */
int sum10(int a, int b, int c, int d, int e, int f, int g, int h, int i, int j) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j;
}

int frame(int x) {
    int v[2];
    int a = x + 1, b = x + 2, c = x + 3, d = x + 4, e = x + 5, f = x + 6, g = x + 7;
    int h = x + 8, i = x + 9, j = x + 10, k = x + 11, l = x + 12, m = x + 13;
    int s;
    v[0] = x; v[1] = -x;
    s = sum10(v[0], a, b, c, d, e, f, g, h, v[1]);
    return s + a + b + c + d + e + f + g + h + i + j + k + l + m;
}

int main() {
    ASSERT(379, frame(1));
    ASSERT(187, frame(-3));
    return 0;
}
