/*
 * unit_netfront.c - host tests of the xen target's netfront against the
 * fake netback of fake_xen.c: set-up and its failures, batches both ways
 * byte-exact with one notification each, a full transmit pool, hostile
 * receive and transmit responses, the backend closing and coming back,
 * the backend vanishing. Built and run by test-unit.sh under ASan and
 * UBSan.
 */
#include "../../platform/xen/netfront.h"
#include "../../platform/xen/xenstore.h"
#include "fake_xen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond)                                                      \
			printf("PASS: %s\n", name);                            \
		else {                                                         \
			printf("FAIL: %s: %s (line %d)\n", name, #cond,        \
			       __LINE__);                                      \
			failures++;                                            \
		}                                                              \
	} while (0)

/* Rings, receive pages and the transmit pool of one device. */
#define NF_PAGES (2 + 256 + 128)

static void reset(void)
{
	fake_xen_reset();
	xs_reset();
	netfront_reset();
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static bool same_frame(const struct fake_frame *f, size_t len, unsigned seed)
{
	uint8_t want[FAKE_FRAME_MAX];
	fill(want, len, seed);
	return f->len == len && memcmp(f->data, want, len) == 0;
}

static struct fake_vif *vif;
static platform_handle h;

/* A connected net0. */
static bool up(void)
{
	struct platform_net_info info;
	reset();
	vif = fake_vif_add(0);
	return platform_net_acquire("net0", &h, &info) == PLATFORM_OK;
}

static struct netfront_counters counters(void)
{
	struct netfront_counters c;
	memset(&c, 0, sizeof(c));
	netfront_get_counters(h, &c);
	return c;
}

static void test_absent(void)
{
	struct platform_net_info info;
	reset();
	CHECK("netfront: no vif is ENOENT",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_ENOENT);
	CHECK("netfront: with one clear line",
	      fake_log_count("net0: no such device (device/vif/0 is not in "
	                     "xenstore)") == 1);
	CHECK("netfront: a name not of the form netN is ENOENT",
	      platform_net_acquire("eth0", &h, &info) == PLATFORM_ENOENT &&
	              platform_net_acquire("net", &h, &info) ==
	                      PLATFORM_ENOENT &&
	              platform_net_acquire("net01", &h, &info) ==
	                      PLATFORM_ENOENT);
	CHECK("netfront: beyond the device limit",
	      platform_net_acquire("net7", &h, &info) == PLATFORM_ENOENT &&
	              fake_log_has("net7: at most 4 network devices"));

	reset();
	struct fake_vif *v = fake_vif_add(0);
	fake_xs_rm(strcat(strcpy((char[128]){0}, v->be), "/feature-rx-copy"));
	fake_log_clear();
	CHECK("netfront: a backend without feature-rx-copy is refused",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_EUNSPEC);
	CHECK("netfront: in one line",
	      fake_log_lines() == 1 &&
	              fake_log_has("net0: the backend "
	                           "/local/domain/0/backend/vif/7/0 lacks "
	                           "feature-rx-copy"));
	CHECK("netfront: and nothing left granted",
	      fake_grants_in_use() == 0 && !v->connected);

	reset();
	fake_vif_add(0);
	fake_xs_set("device/vif/0/mac", "00:16:3e:zz:00:00");
	CHECK("netfront: a malformed MAC is refused",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("no MAC address in device/vif/0/mac "
	                           "(malformed)"));

	reset();
	v = fake_vif_add(0);
	fake_xs_set(strcat(strcpy((char[128]){0}, v->be), "/state"), "1");
	platform_time t0 = fake_now;
	CHECK("netfront: a backend that never offers times out",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("stayed in state Initialising for 10 s") &&
	              fake_now - t0 >= 10000000000ll &&
	              fake_now - t0 < 11000000000ll);

	reset();
	v = fake_vif_add(0);
	v->no_connect = true;
	CHECK("netfront: a backend that never connects times out",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("did not connect within 10 s (it is in "
	                           "state InitWait)") &&
	              fake_grants_in_use() == 0);

	reset();
	fake_vif_add(0);
	fake_evtchn_alloc_fails = true;
	CHECK("netfront: no event channel",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_EUNSPEC &&
	              fake_log_has("cannot allocate an event channel") &&
	              fake_grants_in_use() == 0);

	reset();
	fake_xs.no_ring = true;
	CHECK("netfront: no xenstore is ENOENT",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_ENOENT);
}

static void test_connect(void)
{
	struct platform_net_info info;
	reset();
	vif = fake_vif_add(0);
	fake_xs_set("device/vif/0/mac", "02:AB:cd:01:02:03");
	CHECK("netfront: acquire net0",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_OK);
	static const uint8_t mac[6] = {0x02, 0xab, 0xcd, 1, 2, 3};
	CHECK("netfront: MAC and MTU",
	      memcmp(info.mac, mac, 6) == 0 && info.mtu == 1500);
	const char *copy = fake_xs_get("device/vif/0/request-rx-copy");
	const char *notify = fake_xs_get("device/vif/0/feature-rx-notify");
	const char *state = fake_xs_get("device/vif/0/state");
	CHECK("netfront: the keys netback needs",
	      fake_xs_get("device/vif/0/tx-ring-ref") &&
	              fake_xs_get("device/vif/0/rx-ring-ref") &&
	              fake_xs_get("device/vif/0/event-channel") && copy &&
	              strcmp(copy, "1") == 0 && notify &&
	              strcmp(notify, "1") == 0 && state &&
	              strcmp(state, "4") == 0);
	CHECK("netfront: the backend connected", vif->connected);
	CHECK("netfront: every receive slot posted",
	      fake_vif_rx_posted(vif) == 256);
	CHECK("netfront: pages granted once, none misused",
	      fake_grants_in_use() == NF_PAGES && fake_grant_violations() == 0);
	CHECK("netfront: a second acquire is EINVAL",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_EINVAL);
	CHECK("netfront: set-up reported in one line",
	      fake_log_count("net0: netfront, mac 02:ab:cd:01:02:03, mtu "
	                     "1500") == 1);
	CHECK("netfront: a handle that is not a netfront",
	      platform_net_read_batch(h + 5, NULL, 0) == -PLATFORM_EINVAL);
	CHECK("netfront: not ready with nothing received",
	      (fake_yield() & (1ull << h)) == 0);

	reset();
	vif = fake_vif_add(0);
	fake_xs_set("device/vif/0/mtu", "1400");
	CHECK("netfront: a smaller MTU from the toolstack",
	      platform_net_acquire("net0", &h, &info) == PLATFORM_OK &&
	              info.mtu == 1400);
}

static void test_tx(void)
{
	if (!up()) {
		CHECK("netfront: up for tx", false);
		return;
	}
	static uint8_t bufs[8][1514];
	struct platform_frame f[8];
	size_t lens[8] = {60, 1514, 14, 100, 1000, 1513, 64, 590};
	for (unsigned i = 0; i < 8; i++) {
		fill(bufs[i], lens[i], i);
		f[i] = (struct platform_frame){.data = bufs[i],
		                               .size = sizeof(bufs[i]),
		                               .len = lens[i]};
	}
	unsigned before = fake_notifies(vif->port);
	CHECK("netfront: a batch of 8 is taken",
	      platform_net_write_batch(h, f, 8) == 8);
	CHECK("netfront: with one notification",
	      fake_notifies(vif->port) == before + 1);
	fake_xen_run();
	bool exact = vif->sent_count == 8;
	for (unsigned i = 0; exact && i < 8; i++)
		exact = same_frame(&vif->sent[i], lens[i], i);
	CHECK("netfront: the backend got them byte-exact, in order", exact);
	CHECK("netfront: a single write",
	      platform_net_write(h, bufs[1], 1514) == PLATFORM_OK);
	fake_xen_run();
	CHECK("netfront: arrived",
	      vif->sent_count == 9 && same_frame(&vif->sent[8], 1514, 1));
	CHECK("netfront: a frame over 1514 bytes is EINVAL",
	      platform_net_write(h, bufs[0], 1515) == PLATFORM_EINVAL);
	CHECK("netfront: a frame under 14 bytes is EINVAL",
	      platform_net_write(h, bufs[0], 13) == PLATFORM_EINVAL);
	f[2].len = 2000;
	CHECK("netfront: a batch stops before a bad frame",
	      platform_net_write_batch(h, f, 8) == 2);
	f[2].len = lens[2];
	fake_xen_run();

	/* Many batches: the pool recycles. */
	unsigned total = 0, seed = 100;
	static uint8_t big[32][600];
	bool ok = true;
	for (unsigned round = 0; round < 40; round++) {
		struct platform_frame g[32];
		for (unsigned i = 0; i < 32; i++) {
			fill(big[i], 60 + i * 17, seed + i);
			g[i] = (struct platform_frame){.data = big[i],
			                               .size = 600,
			                               .len = 60 + i * 17};
		}
		ok &= platform_net_write_batch(h, g, 32) == 32;
		fake_xen_run();
		for (unsigned i = 0; i < 32; i++)
			ok &= same_frame(&vif->sent[11 + total + i],
			                 60 + i * 17, seed + i);
		total += 32;
		seed += 32;
	}
	CHECK("netfront: 1280 frames in 40 batches, byte-exact", ok);

	/* A backend that stops taking frames: the pool runs dry. */
	vif->silent = true;
	static struct platform_frame many[300];
	for (unsigned i = 0; i < 300; i++)
		many[i] = (struct platform_frame){
		        .data = bufs[0], .size = 1514, .len = 60};
	CHECK("netfront: a stuck backend takes one pool's worth",
	      platform_net_write_batch(h, many, 300) == 256 &&
	              platform_net_write_batch(h, many, 10) == 0);
	platform_time t0 = fake_now;
	CHECK("netfront: a single write waits briefly, then AGAIN",
	      platform_net_write(h, bufs[0], 60) == PLATFORM_AGAIN &&
	              fake_now - t0 >= 10000000 && fake_now - t0 < 20000000);
	vif->silent = false;
	fake_xen_run();
	CHECK("netfront: taken again once the backend catches up",
	      platform_net_write_batch(h, many, 300) == 256);
	fake_xen_run();
	struct netfront_counters c = counters();
	CHECK("netfront: transmit counters",
	      c.tx_frames == 11 + 1280 + 512 && c.tx_bad == 0 &&
	              c.tx_errors == 0 && vif->tx_violations == 0 &&
	              fake_grant_violations() == 0);
}

static void test_rx(void)
{
	if (!up()) {
		CHECK("netfront: up for rx", false);
		return;
	}
	static uint8_t data[8][1514];
	size_t lens[5] = {60, 1514, 14, 333, 1000};
	for (unsigned i = 0; i < 5; i++) {
		fill(data[i], lens[i], 50 + i);
		fake_vif_inject(vif, data[i], lens[i]);
	}
	CHECK("netfront: ready with frames waiting",
	      fake_yield() & (1ull << h));
	static uint8_t out[8][1514];
	struct platform_frame f[8];
	for (unsigned i = 0; i < 8; i++)
		f[i] = (struct platform_frame){
		        .data = out[i], .size = sizeof(out[i]), .len = 0};
	int got = platform_net_read_batch(h, f, 8);
	bool exact = got == 5;
	for (int i = 0; exact && i < 5; i++)
		exact = f[i].len == lens[i] &&
		        memcmp(out[i], data[i], lens[i]) == 0;
	CHECK("netfront: a batch of 5 received byte-exact", exact);
	CHECK("netfront: not ready once drained",
	      (fake_yield() & (1ull << h)) == 0);
	CHECK("netfront: an empty ring reads nothing",
	      platform_net_read_batch(h, f, 8) == 0);
	size_t len;
	CHECK("netfront: read with nothing is AGAIN",
	      platform_net_read(h, out[0], 1514, &len) == PLATFORM_AGAIN);
	CHECK("netfront: buffers reposted", fake_vif_rx_posted(vif) == 256);

	fake_vif_inject(vif, data[4], 1000);
	fake_vif_inject(vif, data[3], 333);
	fake_xen_run();
	CHECK("netfront: a frame larger than the buffer is EINVAL",
	      platform_net_read(h, out[0], 500, &len) == PLATFORM_EINVAL);
	CHECK("netfront: and dropped; the next one still comes",
	      platform_net_read(h, out[0], 500, &len) == PLATFORM_OK &&
	              len == 333 && memcmp(out[0], data[3], 333) == 0);

	/* Thousands of frames: every buffer goes round many times. */
	bool ok = true;
	unsigned frames = 0;
	vif->rx_offset = 66;
	for (unsigned round = 0; round < 100; round++) {
		for (unsigned i = 0; i < 40; i++) {
			uint8_t b[1514];
			fill(b, 100 + i, round * 40 + i);
			fake_vif_inject(vif, b, 100 + i);
		}
		fake_xen_run();
		unsigned seen = 0;
		while (seen < 40) {
			int n = platform_net_read_batch(h, f, 8);
			if (n <= 0)
				break;
			for (int k = 0; k < n; k++) {
				uint8_t b[1514];
				fill(b, 100 + seen, round * 40 + seen);
				ok &= f[k].len == 100 + seen &&
				      memcmp(out[k], b, f[k].len) == 0;
				seen++;
			}
			fake_xen_run();
		}
		ok &= seen == 40;
		frames += seen;
	}
	CHECK("netfront: 4000 frames at offset 66, byte-exact", ok);
	struct netfront_counters c = counters();
	CHECK("netfront: receive counters",
	      c.rx_frames == 5 + 1 + 4000 && c.rx_too_big == 1 &&
	              c.rx_bad == 0 && c.rx_errors == 0 &&
	              fake_vif_rx_posted(vif) == 256);
}

/* The id of the receive request the backend would consume next. */
static uint16_t next_rx_id(void)
{
	return RING_GET_REQUEST(&vif->rx, vif->rx.req_cons)->id;
}

static int read_all(void)
{
	static uint8_t out[8][1514];
	struct platform_frame f[8];
	for (unsigned i = 0; i < 8; i++)
		f[i] = (struct platform_frame){
		        .data = out[i], .size = sizeof(out[i]), .len = 0};
	return platform_net_read_batch(h, f, 8);
}

static void test_rx_hostile(void)
{
	if (!up()) {
		CHECK("netfront: up for hostile rx", false);
		return;
	}
	struct netif_rx_response r;
	/* An id other than the slot's request. */
	r = (struct netif_rx_response){(uint16_t)(next_rx_id() + 1), 0, 0, 60};
	fake_vif_rx_raw(vif, &r);
	fake_vif_rx_push(vif);
	CHECK("netfront: a response with the wrong id is dropped",
	      read_all() == 0 && counters().rx_bad == 1);
	CHECK("netfront: reported in one line",
	      fake_log_count("net0: a bad receive response (id ") == 1);
	r = (struct netif_rx_response){(uint16_t)(next_rx_id() + 9000), 0, 0,
	                               60};
	fake_vif_rx_raw(vif, &r);
	r = (struct netif_rx_response){next_rx_id(), 4000, 0, 200};
	fake_vif_rx_raw(vif, &r);
	r = (struct netif_rx_response){next_rx_id(), 0, 0, 1600};
	fake_vif_rx_raw(vif, &r);
	r = (struct netif_rx_response){next_rx_id(), 0, 0, 5};
	fake_vif_rx_raw(vif, &r);
	r = (struct netif_rx_response){next_rx_id(), 5000, 0, 60};
	fake_vif_rx_raw(vif, &r);
	fake_vif_rx_push(vif);
	CHECK("netfront: out-of-range id, offset, length are dropped",
	      read_all() == 0 && counters().rx_bad == 6);
	CHECK("netfront: still one line", fake_log_count("bad receive") == 1);
	r = (struct netif_rx_response){next_rx_id(), 0, 0, NETIF_RSP_ERROR};
	fake_vif_rx_raw(vif, &r);
	r = (struct netif_rx_response){next_rx_id(), 0, 0, NETIF_RSP_DROPPED};
	fake_vif_rx_raw(vif, &r);
	fake_vif_rx_push(vif);
	CHECK("netfront: error statuses are counted",
	      read_all() == 0 && counters().rx_errors == 2);
	/* A frame in three slots, then one in a slot with two extras. */
	r = (struct netif_rx_response){next_rx_id(), 0, NETRXF_more_data, 1000};
	fake_vif_rx_raw(vif, &r);
	r = (struct netif_rx_response){next_rx_id(), 0, NETRXF_more_data, 1000};
	fake_vif_rx_raw(vif, &r);
	r = (struct netif_rx_response){next_rx_id(), 0, 0, 500};
	fake_vif_rx_raw(vif, &r);
	r = (struct netif_rx_response){next_rx_id(), 0, NETRXF_extra_info, 60};
	fake_vif_rx_raw(vif, &r);
	struct netif_extra_info e = {XEN_NETIF_EXTRA_TYPE_GSO,
	                             XEN_NETIF_EXTRA_FLAG_MORE,
	                             {{0, 0, 0, 0}}};
	memcpy(&r, &e, sizeof(e));
	fake_vif_rx_raw(vif, &r);
	e.flags = 0;
	memcpy(&r, &e, sizeof(e));
	fake_vif_rx_raw(vif, &r);
	fake_vif_rx_push(vif);
	uint8_t good[200];
	fill(good, 200, 77);
	fake_vif_inject(vif, good, 200);
	fake_xen_run();
	static uint8_t out[1514];
	size_t len = 0;
	CHECK("netfront: multi-slot frames dropped whole, the next received",
	      platform_net_read(h, out, sizeof(out), &len) == PLATFORM_OK &&
	              len == 200 && memcmp(out, good, 200) == 0 &&
	              counters().rx_multislot == 2 && counters().rx_bad == 6);
	/* rsp_prod racing ahead of what was posted. */
	fake_vif_inject(vif, good, 200);
	fake_xen_run();
	RING_IDX real = vif->rx.sring->rsp_prod;
	vif->rx.sring->rsp_prod = real + 1000;
	fake_yield(); /* takes the event */
	CHECK("netfront: rsp_prod beyond the posted requests is ignored",
	      read_all() == 0 && counters().rx_bad_prod == 1 &&
	              (fake_yield() & (1ull << h)) == 0);
	CHECK("netfront: reported in one line",
	      fake_log_count("receive rsp_prod") == 1);
	vif->rx.sring->rsp_prod = real;
	CHECK("netfront: read once the index is sane again",
	      platform_net_read(h, out, sizeof(out), &len) == PLATFORM_OK &&
	              len == 200);
	CHECK("netfront: every buffer went back to the backend",
	      fake_vif_rx_posted(vif) == 256 && fake_grant_violations() == 0);
	/* And the ring still works at full speed. */
	bool ok = true;
	for (unsigned i = 0; i < 300; i++) {
		fill(good, 100, i);
		fake_vif_inject(vif, good, 100);
		fake_xen_run();
		ok &= platform_net_read(h, out, sizeof(out), &len) ==
		              PLATFORM_OK &&
		      len == 100 && memcmp(out, good, 100) == 0;
	}
	CHECK("netfront: 300 good frames after the hostile ones", ok);
}

static void test_tx_hostile(void)
{
	if (!up()) {
		CHECK("netfront: up for hostile tx", false);
		return;
	}
	uint8_t b[100];
	fill(b, 100, 1);
	struct platform_frame f[4];
	for (unsigned i = 0; i < 4; i++)
		f[i] = (struct platform_frame){
		        .data = b, .size = 100, .len = 100};
	vif->tx_mangle = TXM_BAD_ID;
	platform_net_write_batch(h, f, 4);
	fake_xen_run();
	vif->tx_mangle = TXM_NONE;
	platform_net_write_batch(h, f, 1);
	fake_xen_run();
	platform_net_write_batch(h, f, 1); /* collects the last response */
	CHECK("netfront: transmit responses with bad ids are ignored",
	      counters().tx_bad == 4 &&
	              fake_log_count("bad transmit response (id ") == 1);
	vif->tx_mangle = TXM_STALE_ID;
	platform_net_write_batch(h, f, 4);
	fake_xen_run();
	vif->tx_mangle = TXM_NULL_STATUS;
	platform_net_write_batch(h, f, 2);
	fake_xen_run();
	vif->tx_mangle = TXM_ERROR_STATUS;
	platform_net_write_batch(h, f, 3);
	fake_xen_run();
	vif->tx_mangle = TXM_NONE;
	platform_net_write_batch(h, f, 1);
	fake_xen_run();
	struct netfront_counters c = counters();
	/* Stale ids: the first response names a request already done, the
	 * others free their predecessors. */
	CHECK("netfront: stale ids, NULL and error statuses counted",
	      c.tx_bad == 4 + 1 + 2 && c.tx_errors == 3 &&
	              fake_log_count("bad transmit") == 1);
	vif->tx_mangle = TXM_PROD_AHEAD;
	platform_net_write_batch(h, f, 2);
	fake_xen_run();
	platform_net_write_batch(h, f, 1);
	CHECK("netfront: transmit rsp_prod racing ahead is ignored",
	      counters().tx_bad_prod >= 1 &&
	              fake_log_count("transmit rsp_prod") == 1);
	vif->tx_mangle = TXM_NONE;
	vif->tx.sring->rsp_prod = vif->tx.rsp_prod_pvt;
	/* Ids lost to the bad responses are gone from the pool, but the
	 * rest keeps working. */
	bool ok = true;
	for (unsigned i = 0; i < 500; i++) {
		fill(b, 100, 1000 + i);
		ok &= platform_net_write(h, b, 100) == PLATFORM_OK;
		fake_xen_run();
		ok &= same_frame(&vif->sent[vif->sent_count - 1], 100,
		                 1000 + i);
	}
	CHECK("netfront: 500 good frames after the hostile responses", ok);
	CHECK("netfront: no grant misused",
	      fake_grant_violations() == 0 && vif->tx_violations == 0);
}

static void test_reconnect(void)
{
	if (!up()) {
		CHECK("netfront: up for reconnect", false);
		return;
	}
	uint8_t b[200], out[1514];
	size_t len;
	fill(b, 200, 5);
	fake_log_clear();
	fake_vif_close(vif);
	CHECK("netfront: a closing backend makes the device ready",
	      fake_yield() & (1ull << h));
	CHECK("netfront: the read that follows reconnects",
	      read_all() == 0 && vif->connected && vif->connects == 2);
	CHECK("netfront: in two lines",
	      fake_log_count("net0: the backend /local/domain/0/backend/vif/"
	                     "7/0 went to Closing; reconnecting") == 1 &&
	              fake_log_count("net0: reconnected to") == 1);
	CHECK("netfront: fresh rings, the old grants ended",
	      fake_grants_in_use() == NF_PAGES && fake_port_open(vif->port) &&
	              fake_vif_rx_posted(vif) == 256);
	fake_vif_inject(vif, b, 200);
	fake_xen_run();
	CHECK("netfront: frames flow again",
	      platform_net_read(h, out, sizeof(out), &len) == PLATFORM_OK &&
	              len == 200 && memcmp(out, b, 200) == 0 &&
	              platform_net_write(h, b, 200) == PLATFORM_OK);
	fake_xen_run();
	CHECK("netfront: both ways",
	      vif->sent_count == 1 && same_frame(&vif->sent[0], 200, 5));

	/* A backend slow to close: our pages stay until it has. */
	vif->slow_close = true;
	fake_vif_close(vif);
	fake_yield();
	read_all();
	CHECK("netfront: nothing torn down while the backend still closes",
	      fake_grants_in_use() == NF_PAGES && counters().pages_kept == 0 &&
	              vif->connected);
	CHECK("netfront: frames written while down are dropped and counted",
	      platform_net_write(h, b, 200) == PLATFORM_OK &&
	              counters().tx_down == 1 && read_all() == 0);
	fake_vif_finish_close(vif);
	fake_yield();
	read_all();
	CHECK("netfront: reconnected once it has closed",
	      vif->connected && vif->connects == 3 &&
	              counters().pages_kept == 0 &&
	              fake_grants_in_use() == NF_PAGES);

	/* A backend that closes and stays away a while. */
	char online[128];
	snprintf(online, sizeof(online), "%s/online", vif->be);
	fake_xs_set(online, "0");
	fake_vif_close(vif);
	read_all();
	CHECK("netfront: waiting for the backend",
	      !vif->connected && fake_grants_in_use() == 0);
	CHECK("netfront: frames written meanwhile are dropped and counted",
	      platform_net_write(h, b, 200) == PLATFORM_OK &&
	              counters().tx_down == 2 && read_all() == 0 &&
	              (fake_yield() & (1ull << h)) == 0);
	fake_xs_set(online, "1");
	char state[128];
	snprintf(state, sizeof(state), "%s/state", vif->be);
	fake_xs_set(state, "2");
	CHECK("netfront: the backend's offer is noticed",
	      fake_yield() & (1ull << h));
	read_all();
	CHECK("netfront: reconnected once the backend offers again",
	      vif->connected && vif->connects == 4 &&
	              counters().reconnects == 3);

	/* A backend that keeps our pages mapped after closing. */
	vif->keep_mapped = true;
	fake_vif_close(vif);
	read_all();
	CHECK("netfront: pages still mapped are set aside, not reused",
	      vif->connected && counters().pages_kept == NF_PAGES &&
	              fake_log_has("still maps our pages"));
	vif->keep_mapped = false;
	fake_vif_inject(vif, b, 200);
	fake_xen_run();
	CHECK("netfront: and frames flow on the new pages",
	      platform_net_read(h, out, sizeof(out), &len) == PLATFORM_OK &&
	              len == 200);

	/* The backend's directory removed: gone for good. */
	fake_log_clear();
	fake_vif_remove(vif);
	fake_yield();
	CHECK("netfront: a vanished backend: reads fail",
	      read_all() == -PLATFORM_EUNSPEC &&
	              fake_log_count("vanished; the device is gone") == 1);
	CHECK("netfront: writes fail",
	      platform_net_write(h, b, 200) == PLATFORM_EUNSPEC);
	CHECK("netfront: not ready, nothing granted but the kept rings",
	      (fake_yield() & (1ull << h)) == 0 && fake_grants_in_use() == 2);
}

static void test_two(void)
{
	struct platform_net_info i0, i1;
	platform_handle h0, h1;
	reset();
	struct fake_vif *v0 = fake_vif_add(0), *v1 = fake_vif_add(1);
	CHECK("netfront: net0 and net1",
	      platform_net_acquire("net1", &h1, &i1) == PLATFORM_OK &&
	              platform_net_acquire("net0", &h0, &i0) == PLATFORM_OK &&
	              h0 != h1 && i1.mac[5] == 1 && i0.mac[5] == 0);
	uint8_t b[100], out[1514];
	size_t len;
	fill(b, 100, 9);
	fake_vif_inject(v1, b, 100);
	platform_device_set ready = fake_yield();
	CHECK("netfront: only net1 ready",
	      (ready & (1ull << h1)) && !(ready & (1ull << h0)));
	CHECK("netfront: the frame comes from net1 only",
	      platform_net_read(h0, out, sizeof(out), &len) == PLATFORM_AGAIN &&
	              platform_net_read(h1, out, sizeof(out), &len) ==
	                      PLATFORM_OK &&
	              len == 100);
	platform_net_write(h0, b, 100);
	fake_xen_run();
	CHECK("netfront: a write to net0 reaches net0's backend",
	      v0->sent_count == 1 && v1->sent_count == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_absent();
	test_connect();
	test_tx();
	test_rx();
	test_rx_hostile();
	test_tx_hostile();
	test_reconnect();
	test_two();
	reset();
	fake_xen_reset();
	fake_log_clear();
	return failures ? 1 : 0;
}
