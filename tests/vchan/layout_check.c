/*
 * tests/vchan/layout_check.c - lib/vchan/layout.h's offsets are those of
 * Xen's struct vchan_interface (<xen/io/libxenvchan.h>): this file only
 * compiles when they agree.
 */
#include "../../lib/vchan/layout.h"

#include <stddef.h>

/* Ours, before Xen's header defines the same names. */
enum { OUR_WRITE = VCHAN_NOTIFY_WRITE, OUR_READ = VCHAN_NOTIFY_READ };
#undef VCHAN_NOTIFY_WRITE
#undef VCHAN_NOTIFY_READ

#include <xen/io/libxenvchan.h>

#define SAME(off, member)                                                      \
	_Static_assert((off) == offsetof(struct vchan_interface, member),      \
	               #member)
SAME(VCHAN_OFF_LEFT_CONS, left.cons);
SAME(VCHAN_OFF_LEFT_PROD, left.prod);
SAME(VCHAN_OFF_RIGHT_CONS, right.cons);
SAME(VCHAN_OFF_RIGHT_PROD, right.prod);
SAME(VCHAN_OFF_LEFT_ORDER, left_order);
SAME(VCHAN_OFF_RIGHT_ORDER, right_order);
SAME(VCHAN_OFF_CLI_LIVE, cli_live);
SAME(VCHAN_OFF_SRV_LIVE, srv_live);
SAME(VCHAN_OFF_CLI_NOTIFY, cli_notify);
SAME(VCHAN_OFF_SRV_NOTIFY, srv_notify);
SAME(VCHAN_OFF_GRANTS, grants);
_Static_assert(OUR_WRITE == VCHAN_NOTIFY_WRITE && OUR_READ == VCHAN_NOTIFY_READ,
               "notify bits");

int main(void)
{
	return 0;
}
