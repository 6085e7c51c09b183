#include "test.h"
int main() { return 0; }
