/*
 * console.c - writing the PV console ring. Called from the supervisor too
 * (fault reports), hence ring-0 rules.
 */
#include "kernel.h"
RING0_CODE

#include "console.h"

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)

size_t xencons_put(struct xencons_interface *r, const char *s, size_t n)
{
	XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = r->out_prod;
	XENCONS_RING_IDX used = prod - cons;
	if (used >= OUT_SIZE)
		return 0;
	size_t room = OUT_SIZE - used, k = 0;
	for (; k < n && k < room; k++)
		r->out[MASK_XENCONS_IDX(prod + k, r->out)] = s[k];
	/* The bytes before the index that publishes them. */
	__atomic_store_n(&r->out_prod, prod + (XENCONS_RING_IDX)k,
	                 __ATOMIC_RELEASE);
	return k;
}

size_t xencons_pending(const struct xencons_interface *r)
{
	XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX used = r->out_prod - cons;
	return used > OUT_SIZE ? 0 : used;
}
