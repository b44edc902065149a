/* The self-test (selftest.efi) starts the check programs vmtest.efi,
 * hostile.efi and fuzz.efi one after the other with LoadImage/StartImage.
 * It passes each a result buffer in its load options,
 *   "selftest=0x<address of a struct selftest_result> [more options]"
 * and a program that finds it writes its one-line result there and returns
 * to the self-test instead of ending the emulator run. Started any other
 * way (as the hypervisor's guest, by a test), the programs behave as
 * before. The buffer is the caller's memory: the same address space. */
#ifndef TEST_GUESTS_SELFTEST_RESULT_H
#define TEST_GUESTS_SELFTEST_RESULT_H

#include <efi.h>
#include <efilib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../../hv/lib/fmt.h"

#define SELFTEST_MAGIC 0x746c757365527453ull /* "StResult" */

struct selftest_result {
	uint64_t magic;  /* SELFTEST_MAGIC, set by the caller */
	uint32_t done;   /* 1 once the program wrote its result */
	uint32_t pass;   /* 1 = PASS */
	char line[256];  /* "13 passed, 0 failed", ... */
};

/* The result buffer named by "selftest=0x..." in the image's load
 * options, or NULL when there is none (or it does not carry the magic). */
static inline struct selftest_result *selftest_result_of(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li = NULL;
	if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li)) || !li ||
	    !li->LoadOptions)
		return NULL;
	const CHAR16 *s = li->LoadOptions;
	unsigned len = li->LoadOptionsSize / sizeof(CHAR16);
	static const char key[] = "selftest=0x";
	for (unsigned i = 0; i + sizeof(key) - 1 <= len; i++) {
		unsigned j = 0;
		while (key[j] && s[i + j] == (CHAR16)key[j])
			j++;
		if (key[j] || (i && s[i - 1] != ' '))
			continue;
		uint64_t v = 0;
		for (unsigned p = i + j; p < len; p++) {
			unsigned c = s[p];
			if (c >= '0' && c <= '9')
				v = v * 16 + (c - '0');
			else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				v = v * 16 + ((c | 0x20) - 'a' + 10);
			else
				break;
		}
		struct selftest_result *r = (struct selftest_result *)(uintptr_t)v;
		return r && r->magic == SELFTEST_MAGIC ? r : NULL;
	}
	return NULL;
}

static inline void selftest_result_set(struct selftest_result *r, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void selftest_result_set(struct selftest_result *r, bool pass, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(r->line, sizeof(r->line), fmt, ap);
	va_end(ap);
	r->pass = pass;
	r->done = 1;
}

#endif
