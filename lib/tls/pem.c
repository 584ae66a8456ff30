/*
 * lib/tls/pem.c - the PEM text of a credentials disk (docs/tls.md): the
 * certificate chain and one private key, split into what wolfSSL loads.
 *
 * The text is read through a bounded view, line by line, and ends at the
 * first NUL byte (the zeros that pad a disk image) or at the view's end.
 * A block is a line "-----BEGIN LABEL-----", lines of base64, and the
 * line "-----END LABEL-----"; text outside blocks (comments, openssl's
 * "Bag Attributes") is skipped. CERTIFICATE blocks are the chain, in
 * their order (leaf first); PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE
 * KEY is the key; other blocks (EC PARAMETERS) are skipped. Nothing here
 * decodes base64: wolfSSL checks what the blocks hold.
 */
#include "tls_internal.h"

#include <kiln/view.h>
#include <string.h>

#define PEM_LABEL_MAX 40

/* The next line of v (without its \n or \r\n); false at the end. */
static bool next_line(struct kiln_view *v, const uint8_t **line, size_t *len)
{
	if (v->len == 0 || v->p[0] == 0)
		return false;
	size_t n = 0;
	while (n < v->len && v->p[n] != '\n' && v->p[n] != 0)
		n++;
	*line = v->p;
	*len = n;
	if (n > 0 && v->p[n - 1] == '\r')
		(*len)--;
	kiln_view_skip(v, n < v->len && v->p[n] == '\n' ? n + 1 : n);
	return true;
}

/* "-----BEGIN LABEL-----" (kind "BEGIN") or END: the label, or NULL. */
static bool boundary(const uint8_t *line, size_t len, const char *kind,
                     char label[PEM_LABEL_MAX + 1])
{
	size_t k = strlen(kind);
	if (len < 10 + k + 1 || memcmp(line, "-----", 5) != 0 ||
	    memcmp(line + 5, kind, k) != 0 || line[5 + k] != ' ' ||
	    memcmp(line + len - 5, "-----", 5) != 0)
		return false;
	size_t n = len - 10 - k - 1;
	if (n == 0 || n > PEM_LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = line[5 + k + 1 + i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ' '))
			return false;
	}
	memcpy(label, line + 5 + k + 1, n);
	label[n] = 0;
	return true;
}

static bool is_key_label(const char *l)
{
	return strcmp(l, "PRIVATE KEY") == 0 ||
	       strcmp(l, "EC PRIVATE KEY") == 0 ||
	       strcmp(l, "RSA PRIVATE KEY") == 0;
}

/* The text must be text: printable ASCII, tabs and line ends. */
static bool is_text(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\t' &&
		    p[i] != '\r')
			return false;
	return true;
}

int tls_pem_split(const void *buf, size_t len, struct tls_pem_set *out,
                  const char **why)
{
	memset(out, 0, sizeof *out);
	struct kiln_view v = kiln_view_make(buf, len);
	const uint8_t *line;
	size_t n;
	char label[PEM_LABEL_MAX + 1], end[PEM_LABEL_MAX + 1];
	while (next_line(&v, &line, &n)) {
		if (!is_text(line, n)) {
			*why = "not PEM text (a byte that is not text before "
			       "the end)";
			return -KILN_EINVAL;
		}
		if (!boundary(line, n, "BEGIN", label))
			continue;
		const uint8_t *start = line;
		bool closed = false;
		while (next_line(&v, &line, &n)) {
			if (!is_text(line, n))
				break;
			if (boundary(line, n, "END", end)) {
				closed = strcmp(end, label) == 0;
				break;
			}
		}
		if (!closed) {
			*why = "a PEM block without its END line";
			return -KILN_EINVAL;
		}
		size_t blen = (size_t)(line + n - start);
		if (strcmp(label, "CERTIFICATE") == 0) {
			if (out->ncerts == TLS_PEM_MAX_CERTS) {
				*why = "more certificates than a chain needs "
				       "(at most 8)";
				return -KILN_EINVAL;
			}
			out->cert[out->ncerts] = (const char *)start;
			out->cert_len[out->ncerts++] = blen;
		} else if (is_key_label(label)) {
			if (out->key) {
				*why = "two private keys";
				return -KILN_EINVAL;
			}
			out->key = (const char *)start;
			out->key_len = blen;
		} else if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0) {
			*why = "the private key is encrypted (give it without "
			       "a passphrase)";
			return -KILN_EINVAL;
		}
	}
	if (out->ncerts == 0) {
		*why = "no PEM certificate";
		return -KILN_EINVAL;
	}
	if (!out->key) {
		*why = "no PEM private key";
		return -KILN_EINVAL;
	}
	return 0;
}
