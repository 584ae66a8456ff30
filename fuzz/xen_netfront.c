/*
 * fuzz/xen_netfront.c - libFuzzer harness for the xen target's netfront.
 * A device is set up against the fake netback of tests/xen/fake_xen.c;
 * then the input plays the backend: receive responses with any id,
 * offset, flags and status, transmit responses with any id and status,
 * producer indices set anywhere, honest frames, the backend's state
 * changing; in between, the frontend reads, writes and polls. Every frame
 * returned must fit its buffer and the MTU; every result must be one the
 * platform interface allows.
 */
#include "../platform/xen/netfront.h"
#include "../platform/xen/xenstore.h"
#include "../tests/xen/fake_xen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in;
static size_t in_len;

static unsigned take(void)
{
	if (in_len == 0)
		return 0;
	in_len--;
	return *in++;
}

static unsigned take16(void)
{
	unsigned hi = take();
	return hi << 8 | take();
}

static void check_result(int r, unsigned n)
{
	if (r > (int)n ||
	    (r < 0 && -r != PLATFORM_EINVAL && -r != PLATFORM_EUNSPEC))
		abort();
}

static void reads(platform_handle h)
{
	static uint8_t bufs[8][2048];
	struct platform_frame f[8];
	unsigned n = 1 + take() % 8;
	for (unsigned i = 0; i < n; i++)
		f[i] = (struct platform_frame){
		        .data = bufs[i], .size = take16() % 2049, .len = 0};
	int r = platform_net_read_batch(h, f, n);
	check_result(r, n);
	for (int i = 0; i < r; i++)
		if (f[i].len > f[i].size || f[i].len > 1514 || f[i].len < 14)
			abort();
}

static void writes(platform_handle h)
{
	static uint8_t buf[2048];
	struct platform_frame f[8];
	unsigned n = 1 + take() % 8;
	for (unsigned i = 0; i < n; i++) {
		size_t len = take16() % 1600;
		f[i] = (struct platform_frame){
		        .data = buf, .size = sizeof(buf), .len = len};
	}
	check_result(platform_net_write_batch(h, f, n), n);
}

static void tx_responses(struct fake_vif *v)
{
	unsigned k = take() % 8;
	for (unsigned i = 0; i < k && v->connected; i++) {
		if (v->tx.req_cons != v->tx.sring->req_prod)
			v->tx.req_cons++;
		netif_tx_response_t *rsp =
		        RING_GET_RESPONSE(&v->tx, v->tx.rsp_prod_pvt);
		v->tx.rsp_prod_pvt++;
		rsp->id = (uint16_t)take16();
		rsp->status = (int16_t)(take() % 4) - 2;
	}
	if (v->connected)
		RING_PUSH_RESPONSES(&v->tx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const states[] = {"1", "2", "3", "4", "5", "6", "x"};
	in = data;
	in_len = size;
	fake_xen_reset();
	xs_reset();
	netfront_reset();
	struct fake_vif *v = fake_vif_add(0);
	platform_handle h;
	struct platform_net_info info;
	if (platform_net_acquire("net0", &h, &info) != PLATFORM_OK)
		abort();
	v->silent = true; /* the input is the backend now */
	uint8_t frame[1514];
	size_t len;
	for (unsigned step = 0; step < 64 && in_len; step++) {
		switch (take() % 11) {
		case 0: { /* a raw receive response */
			struct netif_rx_response r;
			r.id = (uint16_t)take16();
			if (take() & 1 && v->connected)
				r.id = RING_GET_REQUEST(&v->rx, v->rx.req_cons)
				               ->id;
			r.offset = (uint16_t)take16();
			r.flags = (uint16_t)(take() & 0x1f);
			r.status = (int16_t)take16();
			if (fake_vif_rx_raw(v, &r))
				fake_vif_rx_push(v);
			break;
		}
		case 1: /* an honest frame */
			len = 14 + take16() % 1501;
			memset(frame, (int)take(), len);
			fake_vif_inject(v, frame, len);
			v->silent = false;
			fake_xen_run();
			v->silent = true;
			v->in_count = 0;
			break;
		case 2:
			if (v->connected)
				v->rx.sring->rsp_prod =
				        v->rx.rsp_prod_pvt + (int8_t)take();
			break;
		case 3:
			tx_responses(v);
			break;
		case 4:
			if (v->connected)
				v->tx.sring->rsp_prod =
				        v->tx.rsp_prod_pvt + (int8_t)take();
			break;
		case 5:
			reads(h);
			break;
		case 6:
			writes(h);
			break;
		case 7:
			fake_yield();
			break;
		case 8: { /* the backend's state changes */
			char path[128];
			snprintf(path, sizeof(path), "%s/state", v->be);
			v->silent = false;
			fake_xs_set(path, states[take() % 7]);
			v->silent = true;
			break;
		}
		case 9: {
			len = take16() % 1600;
			enum platform_result r =
			        platform_net_write(h, frame, len);
			if (r != PLATFORM_OK && r != PLATFORM_AGAIN &&
			    r != PLATFORM_EINVAL && r != PLATFORM_EUNSPEC)
				abort();
			break;
		}
		default: {
			enum platform_result r = platform_net_read(
			        h, frame, take16() % 1600, &len);
			if (r == PLATFORM_OK && len > 1514)
				abort();
		}
		}
	}
	if (fake_grant_misuse() != 0)
		abort(); /* the frontend never misuses a grant */
	netfront_reset();
	fake_xen_reset();
	return 0;
}
