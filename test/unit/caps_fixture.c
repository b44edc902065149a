/* Capability and MTRR fixture loaders (see caps_fixture.h). Host-only test
 * code: uses stdio and dirent. */
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

/* "# kind: real (...)" -> "real" (the first such comment wins). */
static void note_kind(char *kind, size_t cap, const char *comment)
{
	const char *p = comment + 1;
	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "kind:", 5) != 0 || kind[0])
		return;
	p += 5;
	while (isspace((unsigned char)*p))
		p++;
	size_t n = 0;
	while (p[n] && !isspace((unsigned char)p[n]) && n + 1 < cap)
		n++;
	memcpy(kind, p, n);
	kind[n] = '\0';
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
			note_kind(out->kind, sizeof out->kind, s);
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

const char *mtrr_fixture_dir(void)
{
	return HV_TEST_DATA_DIR "/mtrr";
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

#define MAX_FILES 256

/* The names of the files in dir ending in suffix, sorted; -1 when the
 * directory cannot be read. The caller frees each name. */
static int list_files(const char *dir, const char *suffix, char *names[MAX_FILES])
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "fixtures: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (ends_with(e->d_name, suffix) && n < MAX_FILES)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], cmp_str);
	if (n == 0)
		fprintf(stderr, "fixtures: no %s file in %s\n", suffix, dir);
	return n;
}

int caps_fixture_each(void (*fn)(const char *name, const struct caps_fixture *f, void *arg), void *arg)
{
	char *names[MAX_FILES];
	int n = list_files(caps_fixture_dir(), ".caps", names);
	if (n < 0)
		return -1;
	int passed = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		char path[1024], err[512];
		struct caps_fixture f;
		snprintf(path, sizeof path, "%s/%s", caps_fixture_dir(), names[i]);
		if (caps_fixture_load(path, &f, err, sizeof err) < 0) {
			fprintf(stderr, "caps fixture %s\n", err);
			failed++;
		} else {
			fn(f.name, &f, arg);
			passed++;
		}
		free(names[i]);
	}
	return n == 0 || failed ? -1 : passed;
}

/* ---- MTRR layouts ---- */

static int mtrr_line(struct mtrr_fixture *f, char *key, char *val, unsigned *have, char *why, size_t whylen)
{
	unsigned idx = 0;
	char *second = NULL;
	if (sscanf(key, "var%u", &idx) == 1) {
		second = val;
		while (*second && !isspace((unsigned char)*second))
			second++;
		if (*second)
			*second++ = '\0';
		second = trim(second);
	}
	uint64_t v, w = 0;
	if (!parse_u64(val, &v) || (second && !parse_u64(second, &w))) {
		snprintf(why, whylen, "%s: bad number", key);
		return -1;
	}
	if (!strcmp(key, "maxphyaddr")) {
		f->m.maxphyaddr = (unsigned)v;
		*have |= 1;
	} else if (!strcmp(key, "mtrrcap")) {
		f->m.mtrrcap = v;
		*have |= 2;
	} else if (!strcmp(key, "def_type")) {
		f->m.def_type = v;
		*have |= 4;
	} else if (!strcmp(key, "memory_top")) {
		f->memory_top = v;
	} else if (sscanf(key, "fixed%u", &idx) == 1 && idx < 11) {
		f->m.fixed[idx] = v;
		*have |= 8u << idx;
	} else if (second && idx < MTRR_MAX_VAR) {
		f->m.var_base[idx] = v;
		f->m.var_mask[idx] = w;
	} else {
		snprintf(why, whylen, "unknown key '%s'", key);
		return -1;
	}
	return 0;
}

int mtrr_fixture_load(const char *path, struct mtrr_fixture *out, char *err, size_t errlen)
{
	const char *name = base_name(path);
	*out = (struct mtrr_fixture){ 0 };
	snprintf(out->name, sizeof out->name, "%s", name);
	FILE *fp = fopen(path, "r");
	if (fp == NULL) {
		set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	char buf[512], why[128];
	unsigned line = 0, have = 0;
	int rc = 0;
	while (rc == 0 && fgets(buf, sizeof buf, fp)) {
		line++;
		char *s = trim(buf);
		if (*s == '\0')
			continue;
		if (*s == '#') {
			note_kind(out->kind, sizeof out->kind, s);
			continue;
		}
		char *eq = strchr(s, '=');
		char *hash = eq ? strchr(eq, '#') : NULL;
		if (hash)
			*hash = '\0';
		if (eq == NULL) {
			set_err(err, errlen, "%s:%u: expected key = value", name, line);
			rc = -1;
		} else {
			*eq = '\0';
			if (mtrr_line(out, trim(s), trim(eq + 1), &have, why, sizeof why) < 0) {
				set_err(err, errlen, "%s:%u: %s", name, line, why);
				rc = -1;
			}
		}
	}
	fclose(fp);
	if (rc == 0 && (have & 7) != 7) {
		set_err(err, errlen, "%s: maxphyaddr, mtrrcap and def_type are required", name);
		rc = -1;
	}
	/* SDM Vol. 3A §12.11.1: MTRRCAP bit 8 (FIX) says the fixed ranges exist. */
	if (rc == 0 && (out->m.mtrrcap & (1u << 8)) && (have >> 3) != 0x7ff) {
		set_err(err, errlen, "%s: MTRRCAP.FIX is set: fixed0..fixed10 are required", name);
		rc = -1;
	}
	if (rc == 0 && (out->m.maxphyaddr < 32 || out->m.maxphyaddr > 52)) {
		set_err(err, errlen, "%s: maxphyaddr %u out of range 32..52", name, out->m.maxphyaddr);
		rc = -1;
	}
	return rc;
}

int mtrr_fixture_each(void (*fn)(const char *name, const struct mtrr_fixture *f, void *arg), void *arg)
{
	char *names[MAX_FILES];
	int n = list_files(mtrr_fixture_dir(), ".mtrr", names);
	if (n < 0)
		return -1;
	int passed = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		char path[1024], err[512];
		struct mtrr_fixture *f = malloc(sizeof *f); /* a snapshot is ~600 bytes; keep stacks small */
		snprintf(path, sizeof path, "%s/%s", mtrr_fixture_dir(), names[i]);
		if (f == NULL || mtrr_fixture_load(path, f, err, sizeof err) < 0) {
			fprintf(stderr, "mtrr fixture %s\n", f ? err : "out of memory");
			failed++;
		} else {
			fn(f->name, f, arg);
			passed++;
		}
		free(f);
		free(names[i]);
	}
	return n == 0 || failed ? -1 : passed;
}
