/* Each corpus program returns 0 on success, or the line of the first failed check. */
#define ASSERT(expected, actual) do { if ((expected) != (actual)) return __LINE__; } while (0)
