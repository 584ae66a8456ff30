/*
 * unit_xenstore.c - host tests of the xen target's xenstore client
 * against the fake daemon of fake_xen.c: read, write, directory, watches,
 * transactions, request ids, timeouts, and a daemon that breaks the
 * protocol. Built and run by test-unit.sh under ASan and UBSan.
 */
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

static void reset(void)
{
	fake_xen_reset();
	xs_reset();
}

static void test_read_write(void)
{
	char buf[64];
	size_t len = 99;
	reset();
	fake_xs_set("device/vif/0/mac", "00:16:3e:01:02:03");
	CHECK("xenstore: read a relative path",
	      xs_read(0, "device/vif/0/mac", buf, sizeof(buf), &len) == XS_OK &&
	              strcmp(buf, "00:16:3e:01:02:03") == 0 && len == 17);
	CHECK("xenstore: read an absolute path",
	      xs_read(0, FAKE_HOME "/device/vif/0/mac", buf, sizeof(buf),
	              NULL) == XS_OK &&
	              strcmp(buf, "00:16:3e:01:02:03") == 0);
	CHECK("xenstore: a missing key is ENOENT",
	      xs_read(0, "device/vif/9/mac", buf, sizeof(buf), NULL) ==
	              XS_ENOENT);
	CHECK("xenstore: a value longer than the buffer is ETOOLONG",
	      xs_read(0, "device/vif/0/mac", buf, 17, NULL) == XS_ETOOLONG);
	CHECK("xenstore: a value just fitting",
	      xs_read(0, "device/vif/0/mac", buf, 18, NULL) == XS_OK);
	CHECK("xenstore: write",
	      xs_write(0, "data/greeting", "hello") == XS_OK &&
	              fake_xs_get(FAKE_HOME "/data/greeting") &&
	              strcmp(fake_xs_get(FAKE_HOME "/data/greeting"),
	                     "hello") == 0);
	uint64_t v = 0;
	CHECK("xenstore: write and read a number",
	      xs_write_uint(0, "data/n", 1234567890123ull) == XS_OK &&
	              xs_read_uint(0, "data/n", UINT64_MAX, &v) == XS_OK &&
	              v == 1234567890123ull);
	CHECK("xenstore: a number above its bound is EINVAL",
	      xs_read_uint(0, "data/n", 1000, &v) == XS_EINVAL);
	CHECK("xenstore: a value that is no number is EINVAL",
	      xs_read_uint(0, "data/greeting", 1000, &v) == XS_EINVAL);
	/* A value near the payload limit crosses the 1 KiB ring many
	 * times, both ways. */
	static char big[4000], back[4096];
	for (unsigned i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = 0;
	CHECK("xenstore: a 4000-byte value both ways",
	      xs_write(0, "data/big", big) == XS_OK &&
	              xs_read(0, "data/big", back, sizeof(back), &len) ==
	                      XS_OK &&
	              len == sizeof(big) - 1 && strcmp(big, back) == 0);
	static char huge[XENSTORE_PAYLOAD_MAX + 10];
	memset(huge, 'x', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = 0;
	CHECK("xenstore: a request over XENSTORE_PAYLOAD_MAX is refused",
	      xs_write(0, "data/huge", huge) == XS_ETOOLONG &&
	              !fake_xs_get("data/huge"));
	/* Replies trickling in a few bytes at a time. */
	fake_xs.chunk = 7;
	CHECK("xenstore: a reply in 7-byte pieces",
	      xs_read(0, "data/big", back, sizeof(back), &len) == XS_OK &&
	              strcmp(big, back) == 0);
	fake_xs.chunk = 0;
	struct xs_counters c;
	xs_get_counters(&c);
	CHECK("xenstore: no stray replies in normal use",
	      c.stale_replies == 0 && c.wrong_replies == 0 && c.timeouts == 0);
}

static void test_directory(void)
{
	char buf[256];
	size_t count = 0;
	reset();
	fake_xs_set("device/vbd/768/state", "1");
	fake_xs_set("device/vbd/51712/state", "1");
	fake_xs_set("device/vbd/5632/state", "1");
	int r = xs_directory(0, "device/vbd", buf, sizeof(buf), &count);
	bool all = r == XS_OK && count == 3;
	const char *want[] = {"768", "51712", "5632"};
	for (unsigned w = 0; all && w < 3; w++) {
		bool seen = false;
		for (size_t i = 0, at = 0; i < count; i++) {
			seen |= strcmp(buf + at, want[w]) == 0;
			at += strlen(buf + at) + 1;
		}
		all = seen;
	}
	CHECK("xenstore: directory lists three children", all);
	CHECK("xenstore: directory of a missing path is ENOENT",
	      xs_directory(0, "device/vif", buf, sizeof(buf), &count) ==
	              XS_ENOENT);
	CHECK("xenstore: directory into a small buffer is ETOOLONG",
	      xs_directory(0, "device/vbd", buf, 8, &count) == XS_ETOOLONG);
	CHECK("xenstore: an empty directory",
	      xs_directory(0, "device/vbd/768/state", buf, sizeof(buf),
	                   &count) == XS_OK &&
	              count == 0);
}

static void test_watches(void)
{
	static struct xs_watch w, w2;
	char path[XS_WATCH_PATH_MAX];
	reset();
	fake_xs_set("backend/x/state", "1");
	CHECK("xenstore: watch", xs_watch(&w, "backend/x") == XS_OK);
	CHECK("xenstore: the first event comes at once",
	      xs_watch_pending(&w) && xs_watch_take(&w, path, sizeof(path)) &&
	              strcmp(path, "backend/x") == 0 && !xs_watch_pending(&w));
	CHECK("xenstore: registering a watch twice is EEXIST",
	      xs_watch(&w, "backend/x") == XS_EEXIST);
	CHECK("xenstore: a second watch",
	      xs_watch(&w2, "backend/y") == XS_OK &&
	              xs_watch_take(&w2, path, sizeof(path)));
	fake_xs_set("backend/x/state", "4");
	CHECK("xenstore: a change below the path fires its watch only",
	      xs_watch_pending(&w) && !xs_watch_pending(&w2) &&
	              xs_watch_take(&w, path, sizeof(path)) &&
	              strcmp(path, "backend/x/state") == 0);
	/* Events arriving while a request waits are queued, not lost. */
	fake_xs_set("backend/y/a", "1");
	char buf[8];
	xs_read(0, "backend/x/state", buf, sizeof(buf), NULL);
	CHECK("xenstore: an event during a request is queued",
	      w2.count == 1 && xs_watch_take(&w2, path, sizeof(path)) &&
	              strcmp(path, "backend/y/a") == 0);
	for (unsigned i = 0; i < 10; i++) {
		char v[16];
		snprintf(v, sizeof(v), "%u", i);
		fake_xs_set("backend/x/state", v);
	}
	xs_poll();
	unsigned taken = 0;
	bool saw_empty = false;
	while (xs_watch_take(&w, path, sizeof(path))) {
		taken++;
		saw_empty |= path[0] == 0;
	}
	CHECK("xenstore: a watch queue overflows into one \"changed\" event",
	      taken == XS_WATCH_QUEUE + 1 && saw_empty && w.dropped == 6 &&
	              !w.overflowed);
	CHECK("xenstore: watch_wait times out without events",
	      xs_watch_wait(&w, fake_now + 1000000) == XS_ETIMEDOUT);
	CHECK("xenstore: unwatch", xs_unwatch(&w) == XS_OK);
	fake_xs_set("backend/x/state", "5");
	xs_poll();
	struct xs_counters c;
	xs_get_counters(&c);
	CHECK("xenstore: no events after unwatch",
	      w.count == 0 && !xs_watch_pending(&w) && c.unknown_events == 0);
	/* A malformed event (token unterminated) is dropped, counted. */
	struct xsd_sockmsg h = {XS_WATCH_EVENT, 0, 0, 6};
	fake_xs_send_raw(&h, sizeof(h));
	fake_xs_send_raw("a\0kiln", 6);
	fake_xs_set("backend/y/b", "1");
	fake_xen_run();
	xs_poll();
	xs_get_counters(&c);
	CHECK("xenstore: a malformed watch event is counted, the next "
	      "delivered",
	      c.bad_events == 1 && w2.count == 1);
	/* An event for a token nobody holds. */
	struct xsd_sockmsg h2 = {XS_WATCH_EVENT, 0, 0, 7};
	fake_xs_send_raw(&h2, sizeof(h2));
	fake_xs_send_raw("a\0nope\0", 7);
	fake_xen_run();
	xs_poll();
	xs_get_counters(&c);
	CHECK("xenstore: an event for an unknown token is counted",
	      c.unknown_events == 1);
}

struct tx_ctx {
	unsigned calls;
	int fail;
};

static int tx_body(uint32_t tx, void *p)
{
	struct tx_ctx *ctx = p;
	ctx->calls++;
	if (ctx->fail)
		return ctx->fail;
	int r = xs_write(tx, "data/t/a", "1");
	if (r == XS_OK)
		r = xs_write(tx, "data/t/b", "2");
	return r;
}

static void test_transactions(void)
{
	uint32_t tx;
	char buf[8];
	reset();
	CHECK("xenstore: transaction start",
	      xs_transaction_start(&tx) == XS_OK && tx != 0);
	CHECK("xenstore: a write inside a transaction",
	      xs_write(tx, "data/in-tx", "x") == XS_OK);
	CHECK("xenstore: invisible before commit",
	      fake_xs_get("data/in-tx") == NULL &&
	              xs_read(0, "data/in-tx", buf, sizeof(buf), NULL) ==
	                      XS_ENOENT);
	CHECK("xenstore: visible inside the transaction",
	      xs_read(tx, "data/in-tx", buf, sizeof(buf), NULL) == XS_OK);
	CHECK("xenstore: commit", xs_transaction_end(tx, true) == XS_OK &&
	                                  fake_xs_get("data/in-tx") != NULL);
	CHECK("xenstore: abort drops the writes",
	      xs_transaction_start(&tx) == XS_OK &&
	              xs_write(tx, "data/aborted", "x") == XS_OK &&
	              xs_transaction_end(tx, false) == XS_OK &&
	              fake_xs_get("data/aborted") == NULL);
	struct tx_ctx ctx = {0, 0};
	fake_xs.eagain = 2;
	CHECK("xenstore: a transaction retried on EAGAIN commits",
	      xs_transact(tx_body, &ctx) == XS_OK && ctx.calls == 3 &&
	              fake_xs_get("data/t/a") && fake_xs_get("data/t/b"));
	struct xs_counters c;
	xs_get_counters(&c);
	CHECK("xenstore: two retries counted", c.tx_retries == 2);
	ctx = (struct tx_ctx){0, 0};
	fake_xs.eagain = 1000;
	fake_log_clear();
	CHECK("xenstore: EAGAIN forever gives up with a line",
	      xs_transact(tx_body, &ctx) == XS_EAGAIN &&
	              ctx.calls == XS_TX_TRIES &&
	              fake_log_has("met EAGAIN 16 times"));
	fake_xs.eagain = 0;
	ctx = (struct tx_ctx){0, XS_EACCES};
	CHECK("xenstore: a failing body aborts the transaction",
	      xs_transact(tx_body, &ctx) == XS_EACCES && ctx.calls == 1);
	CHECK("xenstore: ending an unknown transaction is ENOENT",
	      xs_transaction_end(4242, true) == XS_ENOENT);
}

static void test_timeouts(void)
{
	char buf[32];
	reset();
	fake_xs_set("device/vif/0/backend", "/local/domain/0/backend/vif/7/0");
	fake_xs.silent = true;
	platform_time t0 = fake_now;
	int r = xs_read(0, "device/vif/0/backend", buf, sizeof(buf), NULL);
	CHECK("xenstore: a silent daemon times out", r == XS_ETIMEDOUT);
	CHECK("xenstore: after 5 s of waiting",
	      fake_now - t0 >= 5000000000ll && fake_now - t0 < 5100000000ll);
	CHECK("xenstore: the timeout is one clear line",
	      fake_log_count("xenstore: no reply to READ "
	                     "device/vif/0/backend within 5 s") == 1);
	/* Replies held back, then released: the late reply to the first
	 * request must not be taken for the second's. */
	fake_xs.silent = false;
	fake_xs.hold = true;
	fake_xs_set("data/a", "first");
	fake_xs_set("data/b", "second");
	xs_set_timeout(1000000000);
	r = xs_read(0, "data/a", buf, sizeof(buf), NULL);
	CHECK("xenstore: a held reply times out after the set timeout",
	      r == XS_ETIMEDOUT &&
	              fake_log_has("no reply to READ data/a within 1 s"));
	fake_xs.hold = false;
	r = xs_read(0, "data/b", buf, sizeof(buf), NULL);
	struct xs_counters c;
	xs_get_counters(&c);
	CHECK("xenstore: a late reply is dropped, the right one taken",
	      r == XS_OK && strcmp(buf, "second") == 0 && c.stale_replies == 1);
	xs_set_timeout(0);
}

static void test_hostile(void)
{
	char buf[64];
	struct xs_counters c;

	reset();
	fake_xs_set("data/a", "value");
	/* A reply with a request id nobody asked for, before the real one. */
	struct xsd_sockmsg h = {XS_READ, 999, 0, 5};
	fake_xs_send_raw(&h, sizeof(h));
	fake_xs_send_raw("wrong", 5);
	CHECK("xenstore: a reply with a foreign id is ignored",
	      xs_read(0, "data/a", buf, sizeof(buf), NULL) == XS_OK &&
	              strcmp(buf, "value") == 0);
	xs_get_counters(&c);
	CHECK("xenstore: and counted", c.stale_replies == 1);

	fake_xs.wrong_type = true;
	fake_log_clear();
	CHECK("xenstore: a reply of the wrong type is a protocol error",
	      xs_read(0, "data/a", buf, sizeof(buf), NULL) == XS_EPROTO &&
	              fake_log_count("a DIRECTORY reply to READ data/a") == 1);
	fake_xs.wrong_type = true;
	xs_read(0, "data/a", buf, sizeof(buf), NULL);
	CHECK("xenstore: reported once", fake_log_count("reply to") == 1);
	CHECK("xenstore: the stream is still usable after it",
	      xs_read(0, "data/a", buf, sizeof(buf), NULL) == XS_OK);
	fake_xs.bad_error = true;
	CHECK("xenstore: an error reply without NUL is a protocol error",
	      xs_read(0, "data/a", buf, sizeof(buf), NULL) == XS_EPROTO);
	struct xsd_sockmsg e = {XS_ERROR, 0, 0, 8};
	(void)e;

	/* An unknown error name. */
	reset();
	fake_xs_set("data/a", "value");
	CHECK("xenstore: the error strings map to codes",
	      xs_read(0, "nope", buf, sizeof(buf), NULL) == XS_ENOENT &&
	              strcmp(xs_strerror(XS_ENOENT), "ENOENT") == 0 &&
	              strcmp(xs_strerror(XS_ETIMEDOUT), "timed out") == 0);

	/* A header announcing more than XENSTORE_PAYLOAD_MAX. */
	reset();
	struct xsd_sockmsg big = {XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
	fake_xs_send_raw(&big, sizeof(big));
	int r = xs_read(0, "data/a", buf, sizeof(buf), NULL);
	CHECK("xenstore: an oversized message breaks the connection",
	      r == XS_EPROTO &&
	              fake_log_count("longer than XENSTORE_PAYLOAD_MAX") == 1);
	CHECK("xenstore: and every later request fails at once",
	      xs_read(0, "data/a", buf, sizeof(buf), NULL) == XS_EPROTO &&
	              xs_write(0, "data/a", "x") == XS_EPROTO &&
	              fake_log_lines() == 1);

	/* rsp_prod racing ahead of what the ring can hold. */
	reset();
	fake_xs_set("data/a", "value");
	CHECK("xenstore: works before",
	      xs_read(0, "data/a", buf, sizeof(buf), NULL) == XS_OK);
	struct xenstore_domain_interface *ring = fake_xs_ring();
	ring->rsp_prod = ring->rsp_cons + XENSTORE_RING_SIZE + 1;
	r = xs_read(0, "data/a", buf, sizeof(buf), NULL);
	CHECK("xenstore: rsp_prod beyond the ring size is refused",
	      r == XS_EPROTO &&
	              fake_log_has("the daemon's reply index is impossible"));

	/* req_cons moved by the daemon to where it cannot be. */
	reset();
	CHECK("xenstore: works before (2)",
	      xs_write(0, "data/a", "1") == XS_OK);
	ring = fake_xs_ring();
	ring->req_cons = ring->req_prod + 5;
	r = xs_write(0, "data/a", "2");
	CHECK("xenstore: req_cons ahead of req_prod is refused",
	      r == XS_EPROTO &&
	              fake_log_has("the daemon's request index is impossible"));

	/* A daemon that stops reading while a request does not fit. */
	reset();
	fake_xs.stop_reading = true;
	static char value[2000];
	memset(value, 'v', sizeof(value) - 1);
	r = xs_write(0, "data/v", value);
	CHECK("xenstore: a daemon not reading requests",
	      r == XS_EPROTO &&
	              fake_log_has("the daemon read no request bytes for 5 s "
	                           "(WRITE data/v)"));

	/* A ring already inconsistent at start. */
	reset();
	ring = fake_xs_ring();
	ring->rsp_prod = 5000;
	CHECK("xenstore: impossible indices at start",
	      xs_read(0, "data/a", buf, sizeof(buf), NULL) == XS_EPROTO &&
	              fake_log_has("impossible at start"));

	reset();
	fake_xs.no_ring = true;
	CHECK("xenstore: no ring is ENOTCONN, said once",
	      xs_init() == XS_ENOTCONN &&
	              xs_read(0, "data/a", buf, sizeof(buf), NULL) ==
	                      XS_ENOTCONN &&
	              fake_log_count("no xenstore ring") == 1);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_read_write();
	test_directory();
	test_watches();
	test_transactions();
	test_timeouts();
	test_hostile();
	fake_xen_reset();
	fake_log_clear();
	return failures ? 1 : 0;
}
