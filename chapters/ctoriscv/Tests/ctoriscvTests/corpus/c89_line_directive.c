/* #line renumbers the lines after it and may rename the file. */
#include "test.h"
int strcmp(const char *a, const char *b);
int main() {
#line 100
    ASSERT(100, __LINE__);
    ASSERT(101, __LINE__);
#define L 500
#line L "renamed.c"
    ASSERT(500, __LINE__);
    ASSERT(0, strcmp(__FILE__, "renamed.c"));
#line 7
    ASSERT(0, strcmp(__FILE__, "renamed.c"));
    ASSERT(8, __LINE__);
    return 0;
}
