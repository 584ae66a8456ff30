/*
 * fuzz/http_path.c - http_path_normalize on arbitrary paths: the result
 * fits, starts with one slash, has no empty, "." or ".." segment, and
 * normalizing it again changes nothing but escapes (it has none left to
 * decode when it contains no '%'). http_path_match_form: no longer than
 * the input, every '%' left is "%2F" or "%25", and undoing those gives
 * no more bytes than it has.
 */
#include <kiln/http.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[256], again[256];
	if (size < 1)
		return 0;
	/* The first byte picks the room given. */
	size_t cap = (size_t)data[0] % sizeof out;
	struct kiln_view in = kiln_view_make(data + 1, size - 1);
	if (in.len == 0 || in.p[0] != '/')
		return 0;
	static char form[256], plain[256];
	long f = http_path_match_form(in, form, cap);
	if (f >= 0) {
		if ((size_t)f > in.len || (size_t)f > cap || form[0] != '/')
			abort();
		for (long i = 0; i < f; i++)
			if (form[i] == '%' &&
			    (f - i < 3 || form[i + 1] != '2' ||
			     (form[i + 2] != 'F' && form[i + 2] != '5')))
				abort();
		if (http_path_unescape(form, (size_t)f, plain) > (size_t)f)
			abort();
	}
	long n = http_path_normalize(in, out, cap);
	if (n < 0)
		return 0;
	if (n == 0 || (size_t)n > cap || out[0] != '/')
		abort();
	for (long i = 0; i < n; i++) {
		if (out[i] != '/')
			continue;
		/* What follows a slash: not another slash, and not a "."
		 * or ".." segment. */
		size_t rest = (size_t)(n - i - 1);
		const char *s = out + i + 1;
		if (rest > 0 && s[0] == '/')
			abort();
		if ((rest == 1 && s[0] == '.') ||
		    (rest >= 2 && s[0] == '.' && s[1] == '/'))
			abort();
		if ((rest == 2 && s[0] == '.' && s[1] == '.') ||
		    (rest >= 3 && s[0] == '.' && s[1] == '.' && s[2] == '/'))
			abort();
	}
	if (memchr(out, '%', (size_t)n) == NULL &&
	    memchr(out, 0, (size_t)n) == NULL) {
		long m = http_path_normalize(kiln_view_make(out, (size_t)n),
		                             again, sizeof again);
		if (m != n || memcmp(out, again, (size_t)n) != 0)
			abort();
	}
	return 0;
}
