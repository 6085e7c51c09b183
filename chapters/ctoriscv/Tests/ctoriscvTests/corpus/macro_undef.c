#include "test.h"
#define V 1
#undef V
#ifdef V
int main() { return 1; }
#else
int main() { return 0; }
#endif
