/*
 * lib/http/path.c - from a request path to the name of a resource.
 *
 * Two steps on bytes from outside, each on explicit bounds: decode the
 * %XX escapes (RFC 3986 2.1), then remove dot segments (RFC 3986 5.2.4)
 * and merge runs of slashes in place. Decoding first means "%2e%2e" is a
 * ".." too, as it is to any file server, so no encoding can reach above
 * the root; such a path is refused rather than clamped, as nginx does.
 */
#include <kiln/http.h>
#include <string.h>

static int hex_value(uint8_t h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

/* Decode %XX escapes of path into out. Returns the length, or -1. With
 * keep, an escaped '/' or '%' stays escaped ("%2F", "%25"). */
static long decode(struct kiln_view path, char *out, size_t cap, bool keep)
{
	size_t n = 0;
	struct kiln_view v = path;
	uint8_t c;
	while (kiln_view_u8(&v, &c)) {
		if (c == '%') {
			uint8_t a, b;
			if (!kiln_view_u8(&v, &a) || !kiln_view_u8(&v, &b))
				return -1;
			int hi = hex_value(a), lo = hex_value(b);
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return -1; /* malformed, or an escaped NUL */
			c = (uint8_t)(hi << 4 | lo);
			if (keep && (c == '/' || c == '%')) {
				if (cap - n < 3)
					return -1;
				out[n++] = '%';
				out[n++] = '2';
				out[n++] = c == '/' ? 'F' : '5';
				continue;
			}
		}
		if (n == cap)
			return -1;
		out[n++] = (char)c;
	}
	return (long)n;
}

/* Is the segment p[0..len) "." or ".."? Returns 1, 2 or 0. */
static int dots(const char *p, size_t len)
{
	if (len == 1 && p[0] == '.')
		return 1;
	if (len == 2 && p[0] == '.' && p[1] == '.')
		return 2;
	return 0;
}

static long normalize(struct kiln_view path, char *out, size_t cap, bool keep)
{
	long decoded = decode(path, out, cap, keep);
	if (decoded <= 0 || out[0] != '/')
		return -1;
	size_t n = (size_t)decoded;
	/* out[0..w) is the result so far: "" (the root) or "/seg/seg",
	 * never ending in a slash. Reading at r never falls behind writing
	 * at w, so the work is done in place. */
	size_t w = 0, r = 0;
	while (r < n) {
		/* out[r] is a slash; the segment runs to the next one. */
		size_t s = r + 1, e = s;
		while (e < n && out[e] != '/')
			e++;
		size_t len = e - s;
		int d = dots(out + s, len);
		if (d == 2) {
			if (w == 0)
				return -1; /* above the root */
			while (out[w - 1] != '/')
				w--;
			w--;
		} else if (d == 0 && len > 0) {
			out[w++] = '/';
			memmove(out + w, out + s, len);
			w += len;
		}
		/* A path ending in a slash, ".", or ".." names a folder: it
		 * keeps its final slash ("/a/./" and "/a/b/.." are "/a/"). */
		if (e == n && (len == 0 || d != 0))
			out[w++] = '/';
		r = e;
	}
	return (long)w;
}

long http_path_normalize(struct kiln_view path, char *out, size_t cap)
{
	return normalize(path, out, cap, false);
}

long http_path_match_form(struct kiln_view path, char *out, size_t cap)
{
	return normalize(path, out, cap, true);
}

size_t http_path_unescape(const char *p, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '%' && len - i >= 3) {
			out[o++] = p[i + 2] == 'F' ? '/' : '%';
			i += 2;
			continue;
		}
		out[o++] = p[i];
	}
	return o;
}
