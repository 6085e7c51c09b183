#ifndef HELPER_H
#define HELPER_H
#define HELPER_VALUE 42
static int helper_add(int a, int b) { return a + b; }
#endif
