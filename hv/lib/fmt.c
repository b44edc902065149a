#include "fmt.h"

#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;
	if (!left && pad == '0' && n && (*s == '-')) {
		/* Zero padding goes between the sign and the digits. */
		put(o, *s++);
		n--;
	}
	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t utoa(char *tmp, uint64_t v, unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0, i;
	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

/* A conversion's flags, width and length modifier. */
struct spec {
	int left;  /* '-' */
	char pad;  /* '0' or ' ' */
	int width; /* digits or '*' */
	int lng;   /* 0 none, 1 l, 2 ll or z */
};

/* Reads "%[-0][width|*][l|ll|z]" up to the conversion character, which
 * it returns a pointer to. */
static const char *parse_spec(const char *fmt, va_list *ap, struct spec *sp)
{
	*sp = (struct spec){ 0, ' ', 0, 0 };
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = 1;
		else if (*fmt == '0')
			sp->pad = '0';
		else
			break;
	}
	if (*fmt == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	while (*fmt == 'l' || *fmt == 'z') {
		sp->lng = (*fmt == 'z') ? 2 : sp->lng + 1;
		fmt++;
	}
	return fmt;
}

static void convert(struct out *o, char conv, const struct spec *sp, va_list *ap)
{
	char tmp[24];
	const char *s;
	size_t n;
	uint64_t u;
	char pad = sp->left ? ' ' : sp->pad;
	switch (conv) {
	case '%':
		put(o, '%');
		break;
	case 'c':
		tmp[0] = (char)va_arg(*ap, int);
		put_padded(o, tmp, 1, sp->width, sp->left, ' ');
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		for (n = 0; s[n]; n++)
			;
		put_padded(o, s, n, sp->width, sp->left, ' ');
		break;
	case 'd':
	case 'i': {
		int64_t v = sp->lng ? va_arg(*ap, long long) : va_arg(*ap, int);
		n = 0;
		if (v < 0) {
			tmp[n++] = '-';
			u = (uint64_t)0 - (uint64_t)v;
		} else {
			u = (uint64_t)v;
		}
		n += utoa(tmp + n, u, 10, 0);
		put_padded(o, tmp, n, sp->width, sp->left, pad);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
		u = sp->lng ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned int);
		n = utoa(tmp, u, conv == 'u' ? 10 : 16, conv == 'X');
		put_padded(o, tmp, n, sp->width, sp->left, pad);
		break;
	case 'p':
		u = (uint64_t)(uintptr_t)va_arg(*ap, void *);
		tmp[0] = '0';
		tmp[1] = 'x';
		n = 2 + utoa(tmp + 2, u, 16, 0);
		put_padded(o, tmp, n, sp->width, sp->left, ' ');
		break;
	default:
		put(o, '%');
		put(o, conv);
		break;
	}
}

size_t fmt_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args; /* by pointer to the helpers: a va_list parameter cannot be */
	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		struct spec sp;
		fmt = parse_spec(fmt + 1, &args, &sp);
		if (!*fmt)
			break; /* a lone '%' at the end: print nothing more */
		convert(&o, *fmt++, &sp, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

size_t fmt_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = fmt_vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
