#include "hv/lib/fmt.h"
#include "unit.h"

#include <stdint.h>

static const char *f(const char *fmt, ...)
{
	static char buf[128];
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

int main(void)
{
	CHECK_STR(f("plain"), "plain");
	CHECK_STR(f("%d %i %u", -42, 7, 4000000000u), "-42 7 4000000000");
	CHECK_STR(f("%x %X %08x", 0xbeefu, 0xbeefu, 0x1234u), "beef BEEF 00001234");
	CHECK_STR(f("%llx", 0x01d8100000000004ull), "1d8100000000004");
	CHECK_STR(f("%016llx", 0x4ull), "0000000000000004");
	CHECK_STR(f("%lu %zu", 123456789012ul, (size_t)99), "123456789012 99");
	CHECK_STR(f("[%5d][%-5d][%05d]", 42, 42, -42), "[   42][42   ][-0042]");
	CHECK_STR(f("[%s][%8s][%-8s]", "ab", "ab", "ab"), "[ab][      ab][ab      ]");
	CHECK_STR(f("[%*d]", 4, 7), "[   7]");
	CHECK_STR(f("%c%c%%", 'o', 'k'), "ok%");
	CHECK_STR(f("%s", (char *)NULL), "(null)");
	CHECK_STR(f("%p", (void *)0x1000), "0x1000");
	CHECK_STR(f("%lld", (long long)INT64_MIN), "-9223372036854775808");
	CHECK_STR(f("%llu", (unsigned long long)UINT64_MAX), "18446744073709551615");
	CHECK_STR(f("trailing %"), "trailing ");

	/* Truncation: always NUL-terminated, returns the full length. */
	char small[6];
	size_t n = fmt_format(small, sizeof(small), "%s", "hello world");
	CHECK_EQ_U64(n, 11);
	CHECK_STR(small, "hello");
	CHECK_EQ_U64(fmt_format(NULL, 0, "%d", 12345), 5);
	return unit_finish("test_fmt");
}
