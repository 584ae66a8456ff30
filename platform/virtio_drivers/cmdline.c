/*
 * cmdline.c - the kernel command line (see cmdline.h).
 */
#include "cmdline.h"
#include <kiln/view.h>
#include <stdbool.h>

#define MMIO_PREFIX "virtio_mmio.device="

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static bool has_prefix(const char *w, size_t len, const char *prefix)
{
	size_t i = 0;
	for (; prefix[i]; i++)
		if (i >= len || w[i] != prefix[i])
			return false;
	return true;
}

static void copy_msg(char *err, size_t size, const char *a, const char *w,
                     size_t wlen)
{
	size_t n = 0;
	if (size == 0)
		return;
	for (; *a && n + 1 < size; a++)
		err[n++] = *a;
	for (size_t i = 0; i < wlen && n + 1 < size; i++)
		err[n++] = w[i];
	err[n] = 0;
}

/* A number: decimal, or hex with 0x. Stops at the first other byte. */
static bool read_number(struct kiln_view *v, int base, uint64_t *out)
{
	uint64_t n = 0;
	unsigned digits = 0;
	if (base == 0) {
		base = 10;
		if (kiln_view_peek(v, 0) == '0' &&
		    (kiln_view_peek(v, 1) == 'x' ||
		     kiln_view_peek(v, 1) == 'X')) {
			base = 16;
			kiln_view_skip(v, 2);
		}
	}
	for (;;) {
		int c = kiln_view_peek(v, 0);
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (n > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false; /* overflow */
		n = n * (uint64_t)base + (uint64_t)d;
		digits++;
		kiln_view_skip(v, 1);
	}
	*out = n;
	return digits > 0;
}

static bool expect(struct kiln_view *v, char c)
{
	uint8_t b;
	return kiln_view_u8(v, &b) && b == (uint8_t)c;
}

int cmdline_parse_mmio(const char *s, size_t len, struct cmdline_mmio *out)
{
	struct kiln_view v = kiln_view_make(s, len);
	uint64_t size, base, irq, id;
	if (!read_number(&v, 0, &size))
		return -1;
	int suffix = kiln_view_peek(&v, 0);
	unsigned shift = suffix == 'K' || suffix == 'k'   ? 10
	                 : suffix == 'M' || suffix == 'm' ? 20
	                 : suffix == 'G' || suffix == 'g' ? 30
	                                                  : 0;
	if (shift) {
		kiln_view_skip(&v, 1);
		if (size > (UINT64_MAX >> shift))
			return -1;
		size <<= shift;
	}
	if (!expect(&v, '@') || !read_number(&v, 0, &base) ||
	    !expect(&v, ':') || !read_number(&v, 10, &irq))
		return -1;
	if (v.len > 0 && (!expect(&v, ':') || !read_number(&v, 10, &id)))
		return -1;
	if (v.bad || v.len != 0)
		return -1;
	if (size == 0 || size > (1ull << 30) || base + size < base || irq > 255)
		return -1;
	out->base = base;
	out->size = size;
	out->irq = (uint32_t)irq;
	return 0;
}

int cmdline_parse(const char *in, struct cmdline *out, char *args,
                  size_t args_size, char *err, size_t err_size)
{
	size_t n = 0;
	bool after_separator = false;
	bool has_separator = false;

	out->mmio_count = 0;
	out->ignored = 0;
	if (err_size)
		err[0] = 0;
	if (args_size == 0)
		return -1;
	args[0] = 0;

	/* Look for the separator first: it changes how words before it are
	 * read. */
	for (const char *p = in; *p;) {
		while (is_space(*p))
			p++;
		const char *w = p;
		while (*p && !is_space(*p))
			p++;
		if (p - w == 2 && w[0] == '-' && w[1] == '-') {
			has_separator = true;
			break;
		}
	}

	for (const char *p = in; *p;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && !is_space(*p))
			p++;
		size_t len = (size_t)(p - w);
		if (!after_separator && len == 2 && w[0] == '-' &&
		    w[1] == '-') {
			after_separator = true;
			continue;
		}
		if (has_prefix(w, len, MMIO_PREFIX)) {
			size_t plen = sizeof(MMIO_PREFIX) - 1;
			if (out->mmio_count == CMDLINE_MMIO_MAX) {
				copy_msg(err, err_size, "too many devices: ", w,
				         len);
				return -1;
			}
			if (cmdline_parse_mmio(w + plen, len - plen,
			                       &out->mmio[out->mmio_count]) !=
			    0) {
				copy_msg(err, err_size,
				         "malformed device description: ", w,
				         len);
				return -1;
			}
			out->mmio_count++;
			continue;
		}
		if (has_separator && !after_separator) {
			out->ignored++;
			continue;
		}
		if (n + (n > 0) + len + 1 > args_size) {
			copy_msg(err, err_size, "boot arguments too long", "",
			         0);
			return -1;
		}
		if (n > 0)
			args[n++] = ' ';
		for (size_t i = 0; i < len; i++)
			args[n++] = w[i];
		args[n] = 0;
	}
	return 0;
}
