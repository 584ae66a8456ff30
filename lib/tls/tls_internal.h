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

#endif
