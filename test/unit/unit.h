/* Minimal host unit-test harness: CHECK records failures with file:line,
 * unit_finish prints ctest-readable totals and sets the exit status. */
#ifndef HV_UNIT_H
#define HV_UNIT_H

#include <stdio.h>
#include <string.h>

static unsigned unit_passed, unit_failed;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (cond) {                                                          \
			unit_passed++;                                               \
		} else {                                                             \
			unit_failed++;                                               \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                    \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                    \
	do {                                                                                  \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ == b_) {                                                               \
			unit_passed++;                                                        \
		} else {                                                                      \
			unit_failed++;                                                        \
			fprintf(stderr, "%s:%d: FAIL: %s == %s (0x%llx != 0x%llx)\n", __FILE__,   \
				__LINE__, #a, #b, a_, b_);                                    \
		}                                                                             \
	} while (0)

#define CHECK_STR(a, b)                                                                          \
	do {                                                                                     \
		const char *a_ = (a), *b_ = (b);                                                 \
		if (a_ && b_ && !strcmp(a_, b_)) {                                               \
			unit_passed++;                                                           \
		} else {                                                                         \
			unit_failed++;                                                           \
			fprintf(stderr, "%s:%d: FAIL: \"%s\" != \"%s\"\n", __FILE__, __LINE__,       \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");                         \
		}                                                                                \
	} while (0)

static inline int unit_finish(const char *name)
{
	printf("%s: %u passed, %u failed\n", name, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
