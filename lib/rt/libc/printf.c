/*
 * printf.c - vsnprintf and snprintf: the integer, character, string and
 * pointer conversions of C11 with every flag, width, precision and length
 * modifier, and no floating point (see rt_libc.h for what happens to the
 * conversions left out).
 *
 * Output goes through a small sink that counts every byte the full output
 * would have and stores only those that fit, so truncation and the return
 * value follow the standard without a second pass.
 */
#include "rt_libc.h"
#include <limits.h>
#include <stdbool.h>

/* ------------------------------------------------------------------ sink */

struct sink {
	char *buf;
	size_t cap; /* bytes that may be stored (size - 1: room for the NUL) */
	size_t len; /* bytes the output has so far, stored or not */
};

static void sink_add(struct sink *o, size_t n)
{
	o->len = n > SIZE_MAX - o->len ? SIZE_MAX : o->len + n;
}

static void sink_write(struct sink *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - o->len;
		rt_memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	sink_add(o, n);
}

/* n copies of c, without looping over bytes that do not fit (a width
 * of two billion must not take two billion steps). */
static void sink_repeat(struct sink *o, char c, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - o->len;
		rt_memset(o->buf + o->len, c, n < room ? n : room);
	}
	sink_add(o, n);
}

/* ------------------------------------------------------- a conversion */

enum {
	F_LEFT = 1,  /* '-' */
	F_PLUS = 2,  /* '+' */
	F_SPACE = 4, /* ' ' */
	F_ZERO = 8,  /* '0' */
	F_ALT = 16   /* '#' */
};

enum length { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T };

struct spec {
	unsigned flags;
	size_t width;
	size_t prec;
	bool has_prec;
	enum length length;
};

/* Pad a field of n bytes to the width, on the side the flags ask for. */
static void pad_before(struct sink *o, const struct spec *sp, size_t n)
{
	if (!(sp->flags & F_LEFT) && sp->width > n)
		sink_repeat(o, ' ', sp->width - n);
}

static void pad_after(struct sink *o, const struct spec *sp, size_t n)
{
	if ((sp->flags & F_LEFT) && sp->width > n)
		sink_repeat(o, ' ', sp->width - n);
}

static void emit_string(struct sink *o, const struct spec *sp, const char *s)
{
	size_t n;

	if (s == NULL) {
		/* As glibc: "(null)", or nothing if the precision would cut
		 * it short. */
		s = !sp->has_prec || sp->prec >= 6 ? "(null)" : "";
	}
	n = sp->has_prec ? rt_strnlen(s, sp->prec) : rt_strlen(s);
	pad_before(o, sp, n);
	sink_write(o, s, n);
	pad_after(o, sp, n);
}

/*
 * An integer: [sign or 0x prefix][zeros][digits], padded to the width.
 * The precision is the least number of digits (a zero value with
 * precision 0 has none); the '0' flag pads with zeros when there is no
 * precision and no '-'.
 */
static void emit_integer(struct sink *o, const struct spec *sp, uintmax_t mag,
                         bool negative, bool is_signed, unsigned base,
                         bool upper)
{
	const char *digit_chars =
	        upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[3 * sizeof(uintmax_t)];
	char prefix[3]; /* sign, or " " or "+" before "0x" (%p) */
	size_t nd = 0, np = 0, zeros = 0, prec = sp->has_prec ? sp->prec : 1;
	size_t total;

	for (uintmax_t v = mag; v != 0; v /= base)
		digits[sizeof(digits) - ++nd] = digit_chars[v % base];
	if (nd == 0 && prec > 0)
		digits[sizeof(digits) - ++nd] = '0';

	if (negative)
		prefix[np++] = '-';
	else if (is_signed && (sp->flags & F_PLUS))
		prefix[np++] = '+';
	else if (is_signed && (sp->flags & F_SPACE))
		prefix[np++] = ' ';
	if ((sp->flags & F_ALT) && base == 16 && mag != 0) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}

	if (prec > nd)
		zeros = prec - nd;
	/* '#' with octal: the first digit is a 0. */
	if ((sp->flags & F_ALT) && base == 8 && zeros == 0 &&
	    (nd == 0 || digits[sizeof(digits) - nd] != '0'))
		zeros = 1;
	total = np + zeros + nd;
	if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && !sp->has_prec &&
	    sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}

	pad_before(o, sp, total);
	sink_write(o, prefix, np);
	sink_repeat(o, '0', zeros);
	sink_write(o, digits + sizeof(digits) - nd, nd);
	pad_after(o, sp, total);
}

/* Fetch a signed argument of the spec's length. z is read as the signed
 * type of size_t's width (ptrdiff_t on every target Kiln supports). */
static intmax_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case L_HH:
		return (signed char)va_arg(*ap, int);
	case L_H:
		return (short)va_arg(*ap, int);
	case L_L:
		return va_arg(*ap, long);
	case L_LL:
		return va_arg(*ap, long long);
	case L_Z:
	case L_T:
		return va_arg(*ap, ptrdiff_t);
	case L_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case L_HH:
		return (unsigned char)va_arg(*ap, unsigned);
	case L_H:
		return (unsigned short)va_arg(*ap, unsigned);
	case L_L:
		return va_arg(*ap, unsigned long);
	case L_LL:
		return va_arg(*ap, unsigned long long);
	case L_Z:
	case L_T:
		return va_arg(*ap, size_t);
	case L_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/* --------------------------------------------------------- the parser */

/* Read decimal digits, saturating just above INT_MAX (such a width or
 * precision makes the output too long for the int return value). */
static size_t parse_number(const char **pp)
{
	const char *p = *pp;
	size_t v = 0;

	while (*p >= '0' && *p <= '9') {
		if (v <= INT_MAX)
			v = v * 10 + (size_t)(*p - '0');
		p++;
	}
	*pp = p;
	return v;
}

static const char *parse_length(const char *p, enum length *len)
{
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			*len = L_HH;
			return p + 2;
		}
		*len = L_H;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			*len = L_LL;
			return p + 2;
		}
		*len = L_L;
		return p + 1;
	case 'z':
		*len = L_Z;
		return p + 1;
	case 'j':
		*len = L_J;
		return p + 1;
	case 't':
		*len = L_T;
		return p + 1;
	default:
		*len = L_NONE;
		return p;
	}
}

/* Parse and print one conversion; p points just after the '%'. Returns
 * the position after it, or NULL for a conversion not supported. */
static const char *convert(struct sink *o, const char *p, va_list *ap)
{
	struct spec sp = {0};

	for (;; p++) {
		if (*p == '-')
			sp.flags |= F_LEFT;
		else if (*p == '+')
			sp.flags |= F_PLUS;
		else if (*p == ' ')
			sp.flags |= F_SPACE;
		else if (*p == '0')
			sp.flags |= F_ZERO;
		else if (*p == '#')
			sp.flags |= F_ALT;
		else
			break;
	}
	if (*p == '*') {
		int w = va_arg(*ap, int);
		if (w < 0) {
			sp.flags |= F_LEFT;
			sp.width = (size_t) - (intmax_t)w;
		} else {
			sp.width = (size_t)w;
		}
		p++;
	} else {
		sp.width = parse_number(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			int pr = va_arg(*ap, int);
			/* A negative precision is taken as omitted. */
			sp.has_prec = pr >= 0;
			sp.prec = pr >= 0 ? (size_t)pr : 0;
			p++;
		} else {
			sp.has_prec = true;
			sp.prec = parse_number(&p);
		}
	}
	p = parse_length(p, &sp.length);
	/* %lc and %ls are wide characters and strings, and other lengths
	 * make no sense with c, s or p: all unsupported. */
	if (sp.length != L_NONE && (*p == 'c' || *p == 's' || *p == 'p'))
		return NULL;

	switch (*p) {
	case 'd':
	case 'i': {
		intmax_t v = arg_signed(ap, sp.length);
		uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
		emit_integer(o, &sp, mag, v < 0, true, 10, false);
		break;
	}
	case 'u':
		emit_integer(o, &sp, arg_unsigned(ap, sp.length), false, false,
		             10, false);
		break;
	case 'o':
		emit_integer(o, &sp, arg_unsigned(ap, sp.length), false, false,
		             8, false);
		break;
	case 'x':
	case 'X':
		emit_integer(o, &sp, arg_unsigned(ap, sp.length), false, false,
		             16, *p == 'X');
		break;
	case 'p': {
		void *ptr = va_arg(*ap, void *);
		if (ptr == NULL) {
			/* As glibc: "(nil)", never cut by a precision. */
			sp.has_prec = false;
			emit_string(o, &sp, "(nil)");
		} else {
			/* As glibc: %#lx, and the + and space flags apply. */
			sp.flags |= F_ALT;
			emit_integer(o, &sp, (uintptr_t)ptr, false, true, 16,
			             false);
		}
		break;
	}
	case 's':
		emit_string(o, &sp, va_arg(*ap, const char *));
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);
		pad_before(o, &sp, 1);
		sink_write(o, &c, 1);
		pad_after(o, &sp, 1);
		break;
	}
	case '%':
		sink_write(o, "%", 1);
		break;
	default:
		return NULL;
	}
	return p + 1;
}

int rt_vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
                 va_list ap)
{
	struct sink o = {buf, size > 0 ? size - 1 : 0, 0};
	const char *p = fmt;
	va_list args;

	va_copy(args, ap);
	while (*p) {
		const char *next;
		if (*p != '%') {
			/* A run of plain text in one go. */
			const char *q = p;
			while (*q && *q != '%')
				q++;
			sink_write(&o, p, (size_t)(q - p));
			p = q;
			continue;
		}
		next = convert(&o, p + 1, &args);
		if (next == NULL) {
			/* Not supported: mark it and stop interpreting, since
			 * the arguments that follow can no longer be found. */
			sink_write(&o, "%!", 2);
			sink_write(&o, p + 1, rt_strlen(p + 1));
			break;
		}
		p = next;
	}
	va_end(args);
	if (size > 0)
		buf[o.len < o.cap ? o.len : o.cap] = 0;
	return o.len > INT_MAX ? -1 : (int)o.len;
}

int rt_snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
