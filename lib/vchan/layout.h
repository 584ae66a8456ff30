/*
 * lib/vchan/layout.h - the control page of a vchan, as Xen's
 * io/libxenvchan.h lays it out (struct vchan_interface), and the ring
 * sizes a server chooses. Offsets are written out here because the
 * library cannot include Xen's headers; tests/vchan checks them against
 * <xen/io/libxenvchan.h>.
 *
 *   0  left ring  {cons, prod}  the client writes, the server reads
 *   8  right ring {cons, prod}  the server writes, the client reads
 *   16 left_order, right_order  (16-bit: ring sizes as powers of two)
 *   20 cli_live, srv_live       0 gone, 1 connected, 2 client not yet
 *   22 cli_notify, srv_notify   what each side must notify about
 *   24 grants[]                 references of the ring pages: left first
 *
 * A ring of order 10 sits at offset 1024 of the control page, one of
 * order 11 at 2048; from order 12 a ring has 2^(order-12) pages of its
 * own. Only one ring can be of order 10 or 11, and the grant list must
 * end before a ring inside the page. All values little-endian (x86).
 */
#ifndef KILN_VCHAN_LAYOUT_H
#define KILN_VCHAN_LAYOUT_H

#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VCHAN_PAGE 4096u
#define VCHAN_PAGE_ORDER 12
#define VCHAN_ORDER_MIN 10
#define VCHAN_ORDER_MAX 20

#define VCHAN_OFF_LEFT_CONS 0
#define VCHAN_OFF_LEFT_PROD 4
#define VCHAN_OFF_RIGHT_CONS 8
#define VCHAN_OFF_RIGHT_PROD 12
#define VCHAN_OFF_LEFT_ORDER 16
#define VCHAN_OFF_RIGHT_ORDER 18
#define VCHAN_OFF_CLI_LIVE 20
#define VCHAN_OFF_SRV_LIVE 21
#define VCHAN_OFF_CLI_NOTIFY 22
#define VCHAN_OFF_SRV_NOTIFY 23
#define VCHAN_OFF_GRANTS 24

#define VCHAN_NOTIFY_WRITE 1 /* tell me when you have written */
#define VCHAN_NOTIFY_READ 2  /* tell me when you have read */

#define VCHAN_LIVE_GONE 0
#define VCHAN_LIVE_UP 1
#define VCHAN_LIVE_WAITING 2 /* cli_live only: no client yet */

/* Both rings' sizes and where they are. */
struct vchan_geometry {
	unsigned left_order, right_order;
	unsigned left_pages, right_pages; /* 0: inside the control page */
};

/* Pages of an offer: the control page and the rings' own pages. */
static inline unsigned vchan_geometry_pages(const struct vchan_geometry *g)
{
	return 1 + g->left_pages + g->right_pages;
}

/* Where a ring of this order sits inside the control page (order 10 or
 * 11), else 0. */
size_t vchan_inpage_offset(unsigned order);

/* The server's choice for rings of at least left_min (client to server)
 * and right_min bytes: libxenvchan's rule, so a Linux peer sees what a
 * Linux server would make. false when one is above 1 MiB. */
bool vchan_geometry_choose(size_t left_min, size_t right_min,
                           struct vchan_geometry *g);

/*
 * Check a copy of a server's control page (the client's side): orders in
 * range and not both inside the page, the grant list inside the page and
 * clear of an in-page ring. Fills g and refs (the grant list, left ring
 * first; room for max entries). false with a reason in *why.
 */
bool vchan_header_parse(struct kiln_view page, struct vchan_geometry *g,
                        uint32_t *refs, unsigned max, const char **why);

/* Write a fresh control page (the server's): orders, the grant list (refs
 * of the ring pages, left first), the server up and no client yet, and
 * the client asked to notify about writes. The page must be zeroed. */
void vchan_header_init(uint8_t *page, const struct vchan_geometry *g,
                       const uint32_t *refs);

#endif /* KILN_VCHAN_LAYOUT_H */
