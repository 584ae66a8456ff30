/*
 * fuzz/xen_blkfront.c - libFuzzer harness for the xen target's blkfront.
 * A disk is set up against the fake blkback of tests/xen/fake_xen.c; then
 * the input plays the backend whenever the frontend waits: answering
 * honestly, or with responses of any id, operation and status, a producer
 * index set anywhere, or not at all (time then runs out). The frontend
 * meanwhile reads, writes and flushes ranges the input picks. Every
 * result must be one the platform interface allows, and memory the
 * frontend does not own is never touched.
 */
#include "../platform/xen/blkfront.h"
#include "../platform/xen/xenstore.h"
#include "../tests/xen/fake_xen.h"

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

/* The backend's move, each time it runs. */
static bool backend(struct fake_vbd *v, void *ctx)
{
	(void)ctx;
	if (in_len == 0)
		return false; /* out of input: honest from now on */
	unsigned how = take();
	if (how < 96)
		return false; /* honest this time */
	if (how < 112)
		return true; /* silent this time */
	RING_IDX prod = v->ring.sring->req_prod;
	unsigned n = take() % 8;
	for (unsigned i = 0; i < n; i++) {
		blkif_request_t req = {0};
		if (v->ring.req_cons != prod) {
			req = *RING_GET_REQUEST(&v->ring, v->ring.req_cons);
			v->ring.req_cons++;
		}
		blkif_response_t *rsp =
		        RING_GET_RESPONSE(&v->ring, v->ring.rsp_prod_pvt);
		v->ring.rsp_prod_pvt++;
		unsigned k = take();
		rsp->id = k & 1 ? req.id : take() % 40;
		rsp->operation = k & 2 ? req.operation : (uint8_t)take();
		rsp->status =
		        k & 4 ? BLKIF_RSP_OKAY : (int16_t)(take() % 4) - 3;
	}
	RING_PUSH_RESPONSES(&v->ring);
	if (take() & 1)
		v->ring.sring->rsp_prod += (int8_t)take();
	fake_send_event(v->port);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[128 * 1024];
	in = data;
	in_len = size;
	fake_xen_reset();
	xs_reset();
	blkfront_reset();
	struct fake_vbd *v = fake_vbd_add(768, 1024);
	unsigned setup = take();
	v->flush = setup & 1;
	v->barrier = setup & 2;
	v->sector_size = setup & 4 ? 4096 : 512;
	platform_handle h;
	struct platform_block_info info;
	if (platform_block_acquire("blk0", &h, &info) != PLATFORM_OK)
		abort();
	v->hook = backend;
	for (unsigned step = 0; step < 16 && in_len; step++) {
		unsigned op = take() % 3;
		uint64_t sector = take() * 4u;
		size_t len = (take() % 64 + 1) * 2048u;
		uint64_t off = sector * 512;
		enum platform_result r;
		if (op == 0)
			r = platform_block_read(h, off, buf, len);
		else if (op == 1)
			r = platform_block_write(h, off, buf, len);
		else
			r = platform_block_flush(h);
		if (r != PLATFORM_OK && r != PLATFORM_EINVAL &&
		    r != PLATFORM_EUNSPEC)
			abort();
		if (r == PLATFORM_OK && op < 2 &&
		    (off % info.sector_size || len % info.sector_size ||
		     off + len > info.capacity))
			abort(); /* accepted what it must refuse */
	}
	if (fake_grant_misuse() != 0)
		abort();
	blkfront_reset();
	fake_xen_reset();
	return 0;
}
