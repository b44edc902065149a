/* Capability fixture loader (see caps_fixture.h). Host-only test code:
 * uses stdio and dirent. */
#include "caps_fixture.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HV_TEST_DATA_DIR
#error "HV_TEST_DATA_DIR must name the project's test/data directory (set by test/CMakeLists.txt)"
#endif

#define BIT(n) (1ull << (n))

static const char *const key_names[CK_COUNT] = {
	[CK_BASIC] = "basic",
	[CK_PINBASED] = "pinbased",
	[CK_PROCBASED] = "procbased",
	[CK_EXIT] = "exit",
	[CK_ENTRY] = "entry",
	[CK_TRUE_PINBASED] = "true_pinbased",
	[CK_TRUE_PROCBASED] = "true_procbased",
	[CK_TRUE_EXIT] = "true_exit",
	[CK_TRUE_ENTRY] = "true_entry",
	[CK_MISC] = "misc",
	[CK_CR0_FIXED0] = "cr0_fixed0",
	[CK_CR0_FIXED1] = "cr0_fixed1",
	[CK_CR4_FIXED0] = "cr4_fixed0",
	[CK_CR4_FIXED1] = "cr4_fixed1",
	[CK_PROCBASED2] = "procbased2",
	[CK_EPT_VPID_CAP] = "ept_vpid_cap",
	[CK_VMFUNC] = "vmfunc",
	[CK_MAXPHYADDR] = "maxphyaddr",
	[CK_CPUID_RDTSCP] = "cpuid_rdtscp",
	[CK_CPUID_INVPCID] = "cpuid_invpcid",
	[CK_CPUID_XSAVES] = "cpuid_xsaves",
	[CK_CPUID_WAITPKG] = "cpuid_waitpkg",
	[CK_CPUID_1GB_PAGES] = "cpuid_1gb_pages",
	[CK_CPUID_RDPID] = "cpuid_rdpid",
	[CK_CPUID_PCONFIG] = "cpuid_pconfig",
	[CK_CPUID_PT] = "cpuid_pt",
};

const char *caps_key_name(enum caps_key k)
{
	return (unsigned)k < CK_COUNT ? key_names[k] : "?";
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int find_key(const char *k)
{
	for (int i = 0; i < CK_COUNT; i++)
		if (strcmp(k, key_names[i]) == 0)
			return i;
	return -1;
}

/* A number: 0x hex or decimal, the whole text, fits 64 bits. */
static bool parse_u64(const char *s, uint64_t *v)
{
	if (*s == '\0' || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end != '\0')
		return false;
	*v = x;
	return true;
}

/* "# kind: real (...)" -> "real". */
static void note_kind(struct caps_fixture *f, const char *comment)
{
	const char *p = comment + 1;
	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "kind:", 5) != 0 || f->kind[0])
		return;
	p += 5;
	while (isspace((unsigned char)*p))
		p++;
	size_t n = 0;
	while (p[n] && !isspace((unsigned char)p[n]) && n + 1 < sizeof f->kind)
		n++;
	memcpy(f->kind, p, n);
	f->kind[n] = '\0';
}

static void store(struct caps_fixture *f, int k, uint64_t v)
{
	struct vmx_msr_snapshot *m = &f->msrs;
	switch (k) {
	case CK_BASIC: m->basic = v; break;
	case CK_PINBASED: f->legacy_pinbased = v; break;
	case CK_PROCBASED: f->legacy_procbased = v; break;
	case CK_EXIT: f->legacy_exit = v; break;
	case CK_ENTRY: f->legacy_entry = v; break;
	case CK_TRUE_PINBASED: m->pinbased = v; break;
	case CK_TRUE_PROCBASED: m->procbased = v; break;
	case CK_TRUE_EXIT: m->exit = v; break;
	case CK_TRUE_ENTRY: m->entry = v; break;
	case CK_MISC: m->misc = v; break;
	case CK_CR0_FIXED0: m->cr0_fixed0 = v; break;
	case CK_CR0_FIXED1: m->cr0_fixed1 = v; break;
	case CK_CR4_FIXED0: m->cr4_fixed0 = v; break;
	case CK_CR4_FIXED1: m->cr4_fixed1 = v; break;
	case CK_PROCBASED2: m->procbased2 = v; break;
	case CK_EPT_VPID_CAP: m->ept_vpid_cap = v; break;
	case CK_VMFUNC: f->vmfunc = v; break;
	case CK_MAXPHYADDR: f->maxphyaddr = (unsigned)v; break;
	case CK_CPUID_RDTSCP: f->cpuid_rdtscp = v; break;
	case CK_CPUID_INVPCID: f->cpuid_invpcid = v; break;
	case CK_CPUID_XSAVES: f->cpuid_xsaves = v; break;
	case CK_CPUID_WAITPKG: f->cpuid_waitpkg = v; break;
	case CK_CPUID_1GB_PAGES: f->cpuid_1gb_pages = v; break;
	case CK_CPUID_RDPID: f->cpuid_rdpid = v; break;
	case CK_CPUID_PCONFIG: f->cpuid_pconfig = v; break;
	case CK_CPUID_PT: f->cpuid_pt = v; break;
	}
}

static bool is_bool_key(int k)
{
	return k >= CK_CPUID_RDTSCP && k <= CK_CPUID_PT;
}

static const enum caps_key required[] = {
	CK_BASIC, CK_PINBASED, CK_PROCBASED, CK_EXIT, CK_ENTRY, CK_MISC,
	CK_CR0_FIXED0, CK_CR0_FIXED1, CK_CR4_FIXED0, CK_CR4_FIXED1, CK_MAXPHYADDR,
	CK_CPUID_RDTSCP, CK_CPUID_INVPCID, CK_CPUID_XSAVES, CK_CPUID_WAITPKG, CK_CPUID_1GB_PAGES,
};

/* Whole-file rules once every line is read; also picks the control fields
 * the hypervisor would use. */
static int finish(struct caps_fixture *f, const char *name, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!caps_fixture_has(f, required[i])) {
			set_err(err, errlen, "%s: required key %s missing", name, key_names[required[i]]);
			return -1;
		}
	bool true_ctls = f->msrs.basic & BIT(55);
	int n_true = 0;
	for (int k = CK_TRUE_PINBASED; k <= CK_TRUE_ENTRY; k++)
		n_true += caps_fixture_has(f, k);
	if (true_ctls && n_true != 4) {
		set_err(err, errlen, "%s: VMX_BASIC bit 55 is set: all four true_* keys are required", name);
		return -1;
	}
	if (!true_ctls && n_true != 0) {
		set_err(err, errlen, "%s: true_* keys given but VMX_BASIC bit 55 is clear (no TRUE MSRs)", name);
		return -1;
	}
	if (!true_ctls) {
		f->msrs.pinbased = f->legacy_pinbased;
		f->msrs.procbased = f->legacy_procbased;
		f->msrs.exit = f->legacy_exit;
		f->msrs.entry = f->legacy_entry;
	}
	/* SDM Vol. 3D §A.3.3: PROCBASED_CTLS2 exists only if primary allowed-1
	 * bit 63 (control bit 31); §A.10: EPT_VPID_CAP only if EPT or VPID may be 1. */
	bool secondary = f->legacy_procbased & BIT(63);
	if (secondary && !caps_fixture_has(f, CK_PROCBASED2)) {
		set_err(err, errlen, "%s: procbased allows secondary controls but procbased2 is missing", name);
		return -1;
	}
	if (!secondary && f->msrs.procbased2) {
		set_err(err, errlen, "%s: procbased2 nonzero but procbased does not allow secondary controls", name);
		return -1;
	}
	bool ept_or_vpid = secondary && (f->msrs.procbased2 & (BIT(32 + 1) | BIT(32 + 5)));
	if (ept_or_vpid && !caps_fixture_has(f, CK_EPT_VPID_CAP)) {
		set_err(err, errlen, "%s: procbased2 allows EPT or VPID but ept_vpid_cap is missing", name);
		return -1;
	}
	if (f->maxphyaddr < 32 || f->maxphyaddr > 52) {
		set_err(err, errlen, "%s: maxphyaddr %u out of range 32..52", name, f->maxphyaddr);
		return -1;
	}
	return 0;
}

int caps_fixture_load(const char *path, struct caps_fixture *out, char *err, size_t errlen)
{
	const char *name = base_name(path);
	*out = (struct caps_fixture){ 0 };
	snprintf(out->name, sizeof out->name, "%s", name);
	FILE *fp = fopen(path, "r");
	if (fp == NULL) {
		set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	char buf[512];
	unsigned line = 0;
	int rc = 0;
	while (rc == 0 && fgets(buf, sizeof buf, fp)) {
		line++;
		if (strchr(buf, '\n') == NULL && !feof(fp)) {
			set_err(err, errlen, "%s:%u: line too long", name, line);
			rc = -1;
			break;
		}
		char *s = trim(buf);
		if (*s == '\0')
			continue;
		if (*s == '#') {
			note_kind(out, s);
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			set_err(err, errlen, "%s:%u: expected key = value", name, line);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		char *hash = strchr(val, '#'); /* a comment after the value */
		if (hash) {
			*hash = '\0';
			val = trim(val);
		}
		int k = find_key(key);
		uint64_t v;
		if (k < 0) {
			set_err(err, errlen, "%s:%u: unknown key '%s'", name, line, key);
			rc = -1;
		} else if (caps_fixture_has(out, k)) {
			set_err(err, errlen, "%s:%u: key %s given twice", name, line, key);
			rc = -1;
		} else if (!parse_u64(val, &v)) {
			set_err(err, errlen, "%s:%u: %s: bad number '%s'", name, line, key, val);
			rc = -1;
		} else if (is_bool_key(k) && v > 1) {
			set_err(err, errlen, "%s:%u: %s must be 0 or 1", name, line, key);
			rc = -1;
		} else {
			out->present |= 1u << k;
			store(out, k, v);
		}
	}
	fclose(fp);
	if (rc == 0)
		rc = finish(out, name, err, errlen);
	return rc;
}

const char *caps_fixture_dir(void)
{
	return HV_TEST_DATA_DIR "/vmx-caps";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int caps_fixture_each(void (*fn)(const char *name, const struct caps_fixture *f, void *arg), void *arg)
{
	const char *dir = caps_fixture_dir();
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "caps_fixture_each: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char *names[256];
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (ends_with(e->d_name, ".caps") && n < sizeof names / sizeof names[0])
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_str);
	int passed = 0, failed = 0;
	for (unsigned i = 0; i < n; i++) {
		char path[1024], err[512];
		struct caps_fixture f;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (caps_fixture_load(path, &f, err, sizeof err) < 0) {
			fprintf(stderr, "caps fixture %s\n", err);
			failed++;
		} else {
			fn(f.name, &f, arg);
			passed++;
		}
		free(names[i]);
	}
	if (n == 0)
		fprintf(stderr, "caps_fixture_each: no .caps file in %s\n", dir);
	return n == 0 || failed ? -1 : passed;
}
