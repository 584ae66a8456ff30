/*
 * lib/tls/tls_internal.h - what tls.c and port.c share.
 */
#ifndef KILN_TLS_INTERNAL_H
#define KILN_TLS_INTERNAL_H

#include <kiln/tls.h>

/* One connection's heap: what it holds, its cap, the most it held. */
struct tls_budget {
	size_t used, cap, peak;
	uint64_t refused; /* allocations refused by the cap */
	bool orphan;      /* the connection is gone: free with the last block */
};

/* The budget wolfSSL's allocations are charged to now (NULL: none). */
extern struct tls_budget *tls_current_budget;

/* The PEM text of credentials (pem.c): up to TLS_PEM_MAX_CERTS
 * CERTIFICATE blocks in their order and one private key block, pointing
 * into the text. 0, or -KILN_EINVAL with *why saying what is wrong. */
#define TLS_PEM_MAX_CERTS 8
/* The most of a credentials disk that is read. */
#define TLS_DISK_MAX (64u * 1024)
struct tls_pem_set {
	const char *cert[TLS_PEM_MAX_CERTS];
	size_t cert_len[TLS_PEM_MAX_CERTS];
	unsigned ncerts;
	const char *key;
	size_t key_len;
};
int tls_pem_split(const void *buf, size_t len, struct tls_pem_set *out,
                  const char **why);

#endif
