/* libFuzzer harness for the config parser (hv/lib/config.c): the fuzz
 * input is the text of hv.cfg, exactly as platform_read_file hands it to
 * config_parse (any bytes, not NUL-terminated). After parsing it checks
 * what boot/uefi/main.c relies on when it prints the result: every string
 * is terminated inside its array, every error names a line that exists,
 * and the errors format like "config error: FILE:LINE: MESSAGE". */
#include "hv/lib/config.h"
#include "hv/lib/fmt.h"

#include <stdlib.h>
#include <string.h>

static void require(int ok)
{
	if (!ok)
		abort(); /* libFuzzer saves the input as a crash artifact */
}

static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned n = 0;
	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n + (size && data[size - 1] != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_config cfg;
	struct config_result res;
	/* Poison the result first: the parser must set what it reports. */
	memset(&res, 0xa5, sizeof(res));
	config_defaults(&cfg);
	unsigned bad = config_parse(&cfg, (const char *)data, size, &res);
	require(bad == res.error_count);
	require(memchr(cfg.guest, 0, sizeof(cfg.guest)) != NULL);
	require(memchr(cfg.guest_args, 0, sizeof(cfg.guest_args)) != NULL);
	require(!cfg.guest[0] || cfg.guest[0] == '\\');
	require(cfg.serial_port >= 0x100 && cfg.serial_port <= 0xfff8);
	require(cfg.serial_baud >= 50 && 115200 % cfg.serial_baud == 0);
	require(cfg.stats_interval_ms <= 86400000u);

	/* The error-reporting path, as load_config prints it. */
	unsigned lines = count_lines(data, size);
	char msg[256];
	unsigned prev = 0;
	for (unsigned i = 0; i < res.error_count && i < CONFIG_MAX_ERRORS; i++) {
		const struct config_error *e = &res.errors[i];
		require(memchr(e->message, 0, sizeof(e->message)) != NULL && e->message[0]);
		require(e->line > prev && e->line <= lines); /* one error per line, in order */
		prev = e->line;
		size_t n = fmt_format(msg, sizeof(msg), "config error: %s%s:%u: %s (line ignored, default kept)\n",
				      "\\EFI\\BOOT\\", "hv.cfg", e->line, e->message);
		require(strlen(msg) == (n < sizeof(msg) ? n : sizeof(msg) - 1));
	}
	if (res.error_count > CONFIG_MAX_ERRORS)
		fmt_format(msg, sizeof(msg), "config error: %u more bad lines not shown\n",
			   res.error_count - CONFIG_MAX_ERRORS);

	/* Parsed again over the values it set, as a second config would be:
	 * the same text gives the same errors. */
	struct config_result again;
	require(config_parse(&cfg, (const char *)data, size, &again) == bad);
	return 0;
}
