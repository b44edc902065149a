#include "config.h"

#include "fmt.h"

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static bool str_eq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;
	for (; i < alen && b[i]; i++)
		if (a[i] != b[i])
			return false;
	return i == alen && !b[i];
}

static bool parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static bool parse_bool(const char *s, size_t n, bool *out)
{
	if (str_eq(s, n, "on") || str_eq(s, n, "yes") || str_eq(s, n, "true") || str_eq(s, n, "1"))
		return *out = true, true;
	if (str_eq(s, n, "off") || str_eq(s, n, "no") || str_eq(s, n, "false") || str_eq(s, n, "0"))
		return *out = false, true;
	return false;
}

static bool copy_string(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		dst[i] = s[i];
	dst[n] = '\0';
	return true;
}

/* Returns NULL when the line was applied, else the problem in words. */
static const char *apply(struct hv_config *cfg, const char *key, size_t klen, const char *val, size_t vlen,
			 char *why, size_t why_cap)
{
	uint64_t u;
	if (str_eq(key, klen, "hypervisor"))
		return parse_bool(val, vlen, &cfg->hypervisor) ? NULL : "expected on or off";
	if (str_eq(key, klen, "ipi_relay"))
		return parse_bool(val, vlen, &cfg->ipi_relay) ? NULL : "expected on or off";
	if (str_eq(key, klen, "emulator_ports")) {
		static const char *const modes[] = { "auto", "on", "off" };
		for (unsigned m = 0; m < 3; m++)
			if (str_eq(val, vlen, modes[m]))
				return cfg->emulator_ports = (uint8_t)m, NULL;
		return "expected auto, on or off";
	}
	if (str_eq(key, klen, "cpuid_hypervisor_bit"))
		return parse_bool(val, vlen, &cfg->cpuid_hypervisor_bit) ? NULL : "expected on or off";
	if (str_eq(key, klen, "external_interrupts")) {
		if (str_eq(val, vlen, "exit") || str_eq(val, vlen, "guest"))
			return cfg->interrupts_to_guest = str_eq(val, vlen, "guest"), NULL;
		return "expected exit or guest";
	}
	if (str_eq(key, klen, "screen"))
		return parse_bool(val, vlen, &cfg->screen) ? NULL : "expected on or off";
	if (str_eq(key, klen, "serial")) {
		static const uint16_t com[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
		if (vlen == 4 && (val[0] == 'c' || val[0] == 'C') && (val[1] == 'o' || val[1] == 'O') &&
		    (val[2] == 'm' || val[2] == 'M') && val[3] >= '1' && val[3] <= '4') {
			cfg->serial_port = com[val[3] - '1'];
			return NULL;
		}
		if (parse_uint(val, vlen, 0xfff8, &u) && u >= 0x100)
			return cfg->serial_port = (uint16_t)u, NULL;
		return "expected com1..com4 or an I/O port base 0x100..0xfff8";
	}
	if (str_eq(key, klen, "baud")) {
		if (parse_uint(val, vlen, 115200, &u) && u >= 50 && 115200 % u == 0)
			return cfg->serial_baud = (uint32_t)u, NULL;
		return "expected a baud rate that divides 115200 (e.g. 115200, 57600, 9600)";
	}
	if (str_eq(key, klen, "guest")) {
		if (vlen && val[0] != '\\')
			return "expected an absolute path on the ESP, like \\EFI\\hv\\guest.efi";
		return copy_string(cfg->guest, sizeof(cfg->guest), val, vlen) ? NULL : "path too long";
	}
	if (str_eq(key, klen, "exception_bitmap")) {
		if (parse_uint(val, vlen, 0xffffffffu, &u))
			return cfg->exception_bitmap = (uint32_t)u, NULL;
		return "expected a 32-bit mask of exception vectors, like 0x4000 for #PF";
	}
	if (str_eq(key, klen, "on_triple_fault")) {
		if (str_eq(val, vlen, "reset") || str_eq(val, vlen, "halt"))
			return cfg->on_triple_fault_reset = str_eq(val, vlen, "reset"), NULL;
		return "expected reset or halt";
	}
	if (str_eq(key, klen, "stats_interval_ms")) {
		if (parse_uint(val, vlen, 86400000u, &u))
			return cfg->stats_interval_ms = (uint32_t)u, NULL;
		return "expected milliseconds, 0 (off) to 86400000";
	}
	if (str_eq(key, klen, "guest_args"))
		return copy_string(cfg->guest_args, sizeof(cfg->guest_args), val, vlen) ? NULL : "too long";
	size_t n = fmt_format(why, why_cap, "unknown key '");
	for (size_t i = 0; i < klen && n + 2 < why_cap; i++)
		why[n++] = key[i];
	if (n + 1 < why_cap)
		why[n++] = '\'';
	why[n < why_cap ? n : why_cap - 1] = '\0';
	return why;
}

void config_defaults(struct hv_config *cfg)
{
	cfg->hypervisor = true;
	cfg->serial_port = 0x3f8;
	cfg->serial_baud = 115200;
	cfg->screen = true;
	cfg->guest[0] = '\0';
	cfg->guest_args[0] = '\0';
	cfg->exception_bitmap = 0;
	cfg->on_triple_fault_reset = true;
	cfg->stats_interval_ms = 0;
	cfg->ipi_relay = false;
	cfg->emulator_ports = EMULATOR_PORTS_AUTO;
	cfg->cpuid_hypervisor_bit = true;
	cfg->interrupts_to_guest = false;
}

static void add_error(struct config_result *res, unsigned line, const char *problem)
{
	if (res->error_count < CONFIG_MAX_ERRORS) {
		struct config_error *e = &res->errors[res->error_count];
		e->line = line;
		fmt_format(e->message, sizeof(e->message), "%s", problem);
	}
	res->error_count++;
}

unsigned config_parse(struct hv_config *cfg, const char *text, size_t len, struct config_result *res)
{
	res->error_count = 0;
	unsigned line_no = 0;
	size_t pos = 0;
	while (pos < len) {
		size_t start = pos, end;
		while (pos < len && text[pos] != '\n')
			pos++;
		end = pos++;
		line_no++;
		while (start < end && is_blank(text[start]))
			start++;
		while (end > start && is_blank(text[end - 1]))
			end--;
		if (start == end || text[start] == '#')
			continue;
		size_t eq = start;
		while (eq < end && text[eq] != '=')
			eq++;
		if (eq == end) {
			add_error(res, line_no, "expected 'key = value'");
			continue;
		}
		size_t kend = eq, vstart = eq + 1;
		while (kend > start && is_blank(text[kend - 1]))
			kend--;
		while (vstart < end && is_blank(text[vstart]))
			vstart++;
		if (kend == start) {
			add_error(res, line_no, "missing key before '='");
			continue;
		}
		char why[96];
		const char *problem = apply(cfg, text + start, kend - start, text + vstart, end - vstart, why, sizeof(why));
		if (problem)
			add_error(res, line_no, problem);
	}
	return res->error_count;
}
