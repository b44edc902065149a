/* A freestanding C compiler may call memcpy, memmove, memset and memcmp on
 * its own (GCC manual, "Standards"). GNU-EFI's libefi already provides
 * memset and memcpy (byte loops, no vector registers); these are the rest. */
#include <stddef.h>

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp < sp) {
		while (n--)
			*dp++ = *sp++;
	} else {
		while (n--)
			dp[n] = sp[n];
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
