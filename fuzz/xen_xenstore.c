/*
 * fuzz/xen_xenstore.c - libFuzzer harness for the xen target's xenstore
 * client. The first byte picks a mode:
 *   even: the message parsers (header, error, watch event, directory,
 *         transaction id, numbers) on the rest of the input, and a build
 *         and parse round trip;
 *   odd:  the client against a daemon whose every move comes from the
 *         input: starting ring indices, reply bytes, replies with the
 *         right or a wrong request id, watch events, indices set to
 *         anything, time running out. Each request must end (with a
 *         result code) and whatever it returns must lie in the caller's
 *         buffer, NUL-terminated.
 */
#include "../platform/xen/xenstore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------- the fake other side */

static const uint8_t *in;
static size_t in_len;
static platform_time now;
static struct xenstore_domain_interface *page;
/* What the fake daemon has read of the requests. */
static XENSTORE_RING_IDX seen;
static uint8_t req[XS_MSG_MAX];
static size_t req_len;
static struct xsd_sockmsg last_req;

static int take(void)
{
	if (in_len == 0)
		return -1;
	in_len--;
	return *in++;
}

static uint32_t take32(void)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int c = take();
		v = v << 8 | (uint32_t)(c < 0 ? 0 : c);
	}
	return v;
}

platform_time platform_clock_monotonic(void)
{
	return now += 1000;
}

void xen_log(const char *msg)
{
	if (strlen(msg) > 255)
		abort(); /* lines are bounded */
}

void xen_evtchn_notify(evtchn_port_t port)
{
	(void)port;
}

struct xenstore_domain_interface *xen_store_ring(void)
{
	return page;
}

evtchn_port_t xen_store_port(void)
{
	return 1;
}

static void rsp_put(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		page->rsp[MASK_XENSTORE_IDX(page->rsp_prod + i)] = (char)b[i];
	page->rsp_prod += (XENSTORE_RING_IDX)n;
}

/* Read the requests the client published (as far as they make sense). */
static void read_requests(void)
{
	while (seen != page->req_prod && page->req_prod - seen <= 1024) {
		if (req_len < sizeof(req))
			req[req_len++] =
			        (uint8_t)page->req[MASK_XENSTORE_IDX(seen)];
		seen++;
		if (req_len >= XS_HDR_LEN) {
			struct xsd_sockmsg h;
			memcpy(&h, req, sizeof(h));
			if (h.len > XENSTORE_PAYLOAD_MAX ||
			    req_len == XS_HDR_LEN + h.len) {
				last_req = h;
				req_len = 0;
			}
		}
	}
}

/* One move of the daemon, chosen by the input. */
bool xen_event_wait(evtchn_port_t port, platform_time deadline)
{
	(void)port;
	int op = take();
	read_requests();
	switch (op) {
	case -1: /* out of input: the daemon falls silent */
		if (now < deadline)
			now = deadline;
		return false;
	case 0: { /* raw bytes */
		int n = take();
		for (int i = 0; i < n && in_len; i++) {
			uint8_t b = (uint8_t)take();
			rsp_put(&b, 1);
		}
		break;
	}
	case 1:
		page->rsp_prod = take32();
		break;
	case 2:
		page->req_cons = take32();
		break;
	case 3:   /* a reply to the last request */
	case 4: { /* a reply with the wrong id or type */
		page->req_cons = page->req_prod;
		struct xsd_sockmsg h = last_req;
		int len = take();
		h.len = len < 0 ? 0 : (uint32_t)len;
		if (op == 4) {
			h.req_id += (uint32_t)take();
			h.type = (uint32_t)take();
		}
		rsp_put(&h, sizeof(h));
		for (uint32_t i = 0; i < h.len; i++) {
			int c = take();
			uint8_t b = (uint8_t)(c < 0 ? 0 : c);
			rsp_put(&b, 1);
		}
		break;
	}
	case 5: { /* a watch event for one of ours */
		struct xsd_sockmsg h = {XS_WATCH_EVENT, 0, 0, 0};
		char body[] = "p\0kiln0";
		body[6] = (char)('0' + (take() & 3));
		h.len = sizeof(body);
		rsp_put(&h, sizeof(h));
		rsp_put(body, h.len);
		break;
	}
	case 6:
		if (now < deadline)
			now = deadline;
		return false;
	default:
		break;
	}
	return op & 1;
}

/* ------------------------------------------------------------ checks */

static void check_string(const char *buf, size_t size, int r)
{
	if (r == XS_OK && strnlen(buf, size) == size)
		abort(); /* not NUL-terminated inside the buffer */
}

static void check_code(int r)
{
	if (r < 0 || r >= XS_STATUS_COUNT)
		abort();
}

static void fuzz_parsers(const uint8_t *data, size_t size)
{
	struct kiln_view v = kiln_view_make(data, size);
	struct xsd_sockmsg h;
	if (xs_msg_header(v, &h) == XS_OK && h.len > XENSTORE_PAYLOAD_MAX)
		abort();
	check_code(xs_msg_error(v));
	const char *p, *t;
	size_t pl, tl;
	if (xs_msg_watch_event(v, &p, &pl, &t, &tl) == XS_OK) {
		const char *end = (const char *)data + size;
		if (p + pl >= end || t + tl >= end || p[pl] || t[tl] ||
		    memchr(p, 0, pl) || memchr(t, 0, tl))
			abort();
	}
	size_t count;
	if (xs_msg_directory(v, &count) == XS_OK && count > size)
		abort();
	uint32_t tx;
	if (xs_msg_tx_id(v, &tx) == XS_OK && tx == 0)
		abort();
	uint64_t n;
	if (xs_parse_uint((const char *)data, size, 1000, &n) && n > 1000)
		abort();
	/* Build then parse: the header must come back as written. */
	uint8_t buf[XS_MSG_MAX];
	struct xs_part part = {data, size};
	size_t len = xs_msg_build(buf, sizeof(buf), XS_WRITE, 7, 9, &part, 1);
	if (size <= XENSTORE_PAYLOAD_MAX) {
		if (len != XS_HDR_LEN + size ||
		    xs_msg_header(kiln_view_make(buf, len), &h) != XS_OK ||
		    h.type != XS_WRITE || h.req_id != 7 || h.tx_id != 9 ||
		    h.len != size || memcmp(buf + XS_HDR_LEN, data, size))
			abort();
	} else if (len != 0) {
		abort();
	}
}

static void fuzz_client(void)
{
	static struct xs_watch w[2];
	char buf[64];
	size_t len, count;
	uint64_t n;
	uint32_t tx;

	page = aligned_alloc(4096, 4096);
	memset(page, 0, 4096);
	page->req_cons = page->req_prod = take32();
	page->rsp_cons = page->rsp_prod = take32();
	if (take() & 1) /* or anything at all */
		page->rsp_prod = take32();
	seen = page->req_prod;
	req_len = 0;
	memset(&last_req, 0, sizeof(last_req));
	now = 0;
	xs_reset();
	xs_set_timeout(1000000000);
	for (unsigned step = 0; step < 24 && in_len; step++) {
		int r;
		switch (take() % 9) {
		case 0:
			r = xs_read(0, "device/vif/0/backend", buf, sizeof(buf),
			            &len);
			check_string(buf, sizeof(buf), r);
			if (r == XS_OK && len >= sizeof(buf))
				abort();
			break;
		case 1:
			r = xs_write(0, "device/vif/0/state", "4");
			break;
		case 2:
			r = xs_directory(0, "device/vbd", buf, sizeof(buf),
			                 &count);
			if (r == XS_OK && count > sizeof(buf))
				abort();
			break;
		case 3:
			r = xs_watch(&w[step & 1], "backend/state");
			break;
		case 4:
			r = xs_unwatch(&w[step & 1]);
			break;
		case 5:
			r = xs_transaction_start(&tx);
			if (r == XS_OK && tx == 0)
				abort();
			break;
		case 6:
			r = xs_transaction_end(7, take() & 1);
			break;
		case 7:
			r = xs_read_uint(0, "sectors", 1u << 30, &n);
			if (r == XS_OK && n > 1u << 30)
				abort();
			break;
		default:
			xs_poll();
			r = XS_OK;
			for (int i = 0; i < 2; i++)
				while (xs_watch_take(&w[i], buf, sizeof(buf)))
					check_string(buf, sizeof(buf), XS_OK);
		}
		check_code(r);
	}
	/* Watches live in static memory the next run reuses. */
	xs_reset();
	free(page);
	page = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (!(data[0] & 1)) {
		fuzz_parsers(data + 1, size - 1);
		return 0;
	}
	in = data + 1;
	in_len = size - 1;
	fuzz_client();
	return 0;
}
