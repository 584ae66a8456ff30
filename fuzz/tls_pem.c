/*
 * fuzz/tls_pem.c - tls_pem_split (lib/tls/pem.c) on arbitrary disk
 * contents: on success every block lies inside the text before its first
 * NUL, starts with its BEGIN line and ends with the END line of the same
 * label, the certificates are CERTIFICATE blocks in their order, and
 * there are at most TLS_PEM_MAX_CERTS of them; on failure a reason is
 * given.
 */
#include "../lib/tls/tls_internal.h"

#include <stdlib.h>
#include <string.h>

static bool inside(const char *p, size_t n, const uint8_t *data, size_t len)
{
	return (const uint8_t *)p >= data && n <= len &&
	       (size_t)((const uint8_t *)p - data) <= len - n;
}

static bool ends_with(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && memcmp(p + n - k, s, k) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_pem_set set;
	const char *why = NULL;
	/* The copy ends where the input does, so ASan sees a read past it. */
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	int r = tls_pem_split(copy, size, &set, &why);
	if (r != 0) {
		if (r != -KILN_EINVAL || !why || !*why)
			abort();
		free(copy);
		return 0;
	}
	const uint8_t *nul = memchr(copy, 0, size);
	size_t text = nul ? (size_t)(nul - copy) : size;
	if (set.ncerts == 0 || set.ncerts > TLS_PEM_MAX_CERTS || !set.key)
		abort();
	const char *prev = NULL;
	for (unsigned i = 0; i < set.ncerts; i++) {
		const char *c = set.cert[i];
		size_t n = set.cert_len[i];
		if (!inside(c, n, copy, text) || c <= prev ||
		    n < sizeof "-----BEGIN CERTIFICATE-----" ||
		    memcmp(c, "-----BEGIN CERTIFICATE-----", 27) != 0 ||
		    !ends_with(c, n, "-----END CERTIFICATE-----"))
			abort();
		prev = c;
	}
	if (!inside(set.key, set.key_len, copy, text) ||
	    memcmp(set.key, "-----BEGIN ", 11) != 0 ||
	    !ends_with(set.key, set.key_len, "PRIVATE KEY-----"))
		abort();
	free(copy);
	return 0;
}
