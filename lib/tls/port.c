/*
 * lib/tls/port.c - what wolfSSL asks of its platform (config/
 * user_settings.h): memory charged to the connection being worked on,
 * random bytes, and clocks.
 *
 * Memory: every block carries a header naming the budget it was charged
 * to (the current connection's while lib/tls works on one, none for the
 * configurations'). A budget refuses an allocation that would take its
 * connection past its cap. A block may outlive its connection (nothing
 * in this configuration keeps one, but the accounting does not rely on
 * it): the budget is then freed with its last block.
 */
#include "wolfssl_unit.h"

#include "tls_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/types.h>

struct tls_budget *tls_current_budget;

/* 16 bytes: keeps the blocks' alignment. */
struct block {
	struct tls_budget *budget;
	size_t size;
};

void *kiln_tls_malloc(size_t n)
{
	struct tls_budget *b = tls_current_budget;
	if (n > ((size_t)1 << 30))
		return NULL;
	size_t total = n + sizeof(struct block);
	if (b && b->used + total > b->cap) {
		b->refused++;
		return NULL;
	}
	struct block *h = malloc(total);
	if (!h)
		return NULL;
	h->budget = b;
	h->size = total;
	if (b) {
		b->used += total;
		if (b->used > b->peak)
			b->peak = b->used;
	}
	return h + 1;
}

void kiln_tls_free(void *p)
{
	if (!p)
		return;
	struct block *h = (struct block *)p - 1;
	struct tls_budget *b = h->budget;
	if (b) {
		b->used -= h->size;
		if (b->orphan && b->used == 0)
			free(b);
	}
	free(h);
}

void *kiln_tls_realloc(void *p, size_t n)
{
	if (!p)
		return kiln_tls_malloc(n);
	struct block *h = (struct block *)p - 1;
	size_t old = h->size - sizeof(struct block);
	if (n <= old)
		return p;
	void *q = kiln_tls_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	kiln_tls_free(p);
	return q;
}

int kiln_tls_random_block(unsigned char *out, unsigned int len)
{
	kiln_random(out, len);
	return 0;
}

/* The wall clock, for certificates' validity (docs/tls.md says where
 * each target's comes from). */
time_t kiln_tls_time(time_t *t)
{
	time_t s = (time_t)(kiln_wall() / KILN_SEC(1));
	if (t)
		*t = s;
	return s;
}

/* Session lifetimes and TLS 1.3 ticket ages: the monotonic clock (the
 * ticket key lives only as long as the image, so does every ticket). */
word32 LowResTimer(void)
{
	return (word32)(kiln_now() / KILN_SEC(1));
}

sword64 TimeNowInMilliseconds(void)
{
	return (sword64)(kiln_now() / 1000000);
}
