/*
 * vchan-client - drives apps/vchan-echo over vchan (or TCP).
 *
 * Stream (the default): a writer fiber sends --bytes of pseudo-random
 * data while the main fiber reads the echo back; both sides are hashed
 * (SHA-256). Prints the two hashes, the time and the throughput, and
 * exits 0 when what came back is what went out, 1 otherwise.
 *
 * Round trips (--pings=N): N times, send --size bytes and wait for them to
 * come back; prints the median, 99th percentile and mean round trip.
 *
 * Boot arguments:
 *   --peer=NAME        the vchan peer (the echo server)
 *   --port=NAME        its port (echo)
 *   --tcp=ADDR:PORT    use TCP to ADDR:PORT instead (with --ipv4=...)
 *   --bytes=N          bytes to stream (64 MiB)
 *   --pings=N          round trips instead of a stream
 *   --size=N           bytes per round trip (1)
 *   --close-after=N    stream: close once N bytes are sent (a client
 *                      that leaves mid-stream); exit 0
 *   --wait-ms=N        how long to look for the server (10000)
 *   --no-hash          stream the same bytes over and over, unhashed,
 *                      and only count what comes back (for benchmarks)
 */
#include "../../tool/assets/sha256.h"

#include <kiln/net.h>
#include <kiln/rt.h>
#include <kiln/vchan.h>
#include <stdlib.h>
#include <string.h>

#define APP "vchan-client"
#define CHUNK 65536
#define MAX_PINGS 100000

/* The channel under test: vchan or TCP. */
static struct vchan *vc;
static struct tcp_conn *tc;

static long chan_read(void *buf, size_t len)
{
	return vc ? vchan_read(vc, buf, len, KILN_NEVER)
	          : tcp_read(tc, buf, len, KILN_NEVER);
}

static long chan_write(const void *buf, size_t len)
{
	return vc ? vchan_write(vc, buf, len, KILN_NEVER)
	          : tcp_write(tc, buf, len, KILN_NEVER);
}

static void chan_close(void)
{
	if (vc)
		vchan_close(vc);
	else
		tcp_close(tc);
}

static void hex(const uint8_t d[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

/* xorshift64: the same bytes on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		size_t k = n - i < 8 ? n - i : 8;
		memcpy(p + i, &rng, k);
	}
}

static uint64_t total, close_after;
static bool no_hash;
static struct sha256 sent_sum;
static uint64_t sent;
static bool writer_done;
static long writer_error;

static void writer(void *arg)
{
	(void)arg;
	static uint8_t buf[CHUNK];
	while (sent < total) {
		size_t n =
		        total - sent < CHUNK ? (size_t)(total - sent) : CHUNK;
		if (!no_hash || sent == 0)
			fill(buf, n);
		if (!no_hash)
			sha256_update(&sent_sum, buf, n);
		long w = chan_write(buf, n);
		if (w != (long)n) {
			writer_error = w < 0 ? w : -KILN_EIO;
			break;
		}
		sent += n;
		if (close_after && sent >= close_after)
			break;
	}
	writer_done = true;
}

static int stream(void)
{
	static uint8_t buf[CHUNK];
	struct sha256 got_sum;
	uint64_t got = 0;
	uint8_t d[32];
	char hs[65], hg[65];
	sha256_init(&sent_sum);
	sha256_init(&got_sum);
	kiln_time t0 = kiln_now();
	struct kiln_fiber *w = kiln_fiber_spawn("writer", writer, NULL, 0);
	if (!w)
		return 1;
	kiln_fiber_keep(w);
	long err = 0;
	while (got < total) {
		if (close_after && writer_done) {
			/* Leave mid-stream, the echo still coming. */
			kiln_printf(APP ": closing after %llu bytes sent\n",
			            (unsigned long long)sent);
			chan_close();
			kiln_fiber_join(w);
			return 0;
		}
		long n = chan_read(buf, sizeof(buf));
		if (n <= 0) {
			err = n;
			break;
		}
		if (!no_hash)
			sha256_update(&got_sum, buf, (size_t)n);
		got += (uint64_t)n;
	}
	kiln_fiber_join(w);
	kiln_time t1 = kiln_now();
	sha256_final(&sent_sum, d);
	hex(d, hs);
	sha256_final(&got_sum, d);
	hex(d, hg);
	uint64_t us = (uint64_t)(t1 - t0) / 1000;
	uint64_t rate = us ? got * 1000000 / us : 0; /* bytes per second */
	kiln_printf(APP ": sent %llu bytes sha256 %s\n",
	            (unsigned long long)sent, hs);
	kiln_printf(APP ": received %llu bytes sha256 %s\n",
	            (unsigned long long)got, hg);
	kiln_printf(APP ": %llu.%03llu s, %llu.%01llu MB/s each way\n",
	            (unsigned long long)(us / 1000000),
	            (unsigned long long)(us / 1000 % 1000),
	            (unsigned long long)(rate / 1000000),
	            (unsigned long long)(rate / 100000 % 10));
	if (err || writer_error) {
		kiln_printf(APP ": the stream ended early: %s\n",
		            kiln_strerror(err ? (int)err : (int)writer_error));
		chan_close();
		return 1;
	}
	if (vc) {
		struct vchan_stats st;
		vchan_get_stats(vc, &st);
		kiln_printf(APP ": rings %u/%u bytes, %llu doorbells rung, "
		                "%llu heard\n",
		            st.to_server_size, st.to_client_size,
		            (unsigned long long)st.notifies_sent,
		            (unsigned long long)st.wakeups);
	}
	chan_close();
	bool ok = got == sent && sent == total &&
	          (no_hash || strcmp(hs, hg) == 0);
	kiln_printf(APP ": %s\n", ok ? "echo matches" : "ECHO DIFFERS");
	return ok ? 0 : 1;
}

static int cmp_time(const void *a, const void *b)
{
	kiln_time x = *(const kiln_time *)a, y = *(const kiln_time *)b;
	return x < y ? -1 : x > y;
}

static int pings(uint64_t count, uint64_t size)
{
	static uint8_t out[CHUNK], in[CHUNK];
	kiln_time *rtt = malloc(count * sizeof(kiln_time));
	if (!rtt)
		return 1;
	fill(out, (size_t)size);
	for (uint64_t i = 0; i < count; i++) {
		kiln_time t0 = kiln_now();
		if (chan_write(out, (size_t)size) != (long)size)
			return 1;
		size_t got = 0;
		while (got < size) {
			long n = chan_read(in + got, (size_t)size - got);
			if (n <= 0)
				return 1;
			got += (size_t)n;
		}
		rtt[i] = kiln_now() - t0;
		if (memcmp(in, out, (size_t)size) != 0) {
			kiln_puts(APP ": a round trip came back different");
			return 1;
		}
	}
	kiln_time sum = 0;
	for (uint64_t i = 0; i < count; i++)
		sum += rtt[i];
	qsort(rtt, (size_t)count, sizeof(kiln_time), cmp_time);
	kiln_printf(APP ": %llu round trips of %llu bytes: p50 %lld us, p99 "
	                "%lld us, mean %lld us\n",
	            (unsigned long long)count, (unsigned long long)size,
	            (long long)(rtt[count / 2] / 1000),
	            (long long)(rtt[count * 99 / 100] / 1000),
	            (long long)(sum / (kiln_time)count / 1000));
	chan_close();
	return 0;
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t count = 0, size = 1, wait_ms = 10000;
	total = 64ull << 20;
	const char *peer = kiln_arg_string("--peer");
	const char *port = kiln_arg_string("--port");
	const char *tcp = kiln_arg_string("--tcp");
	no_hash = kiln_arg_flag("--no-hash");
	if (!kiln_arg_uint("--bytes", 1, 1ull << 40, &total) ||
	    !kiln_arg_uint("--pings", 0, MAX_PINGS, &count) ||
	    !kiln_arg_uint("--size", 1, CHUNK, &size) ||
	    !kiln_arg_uint("--close-after", 0, 1ull << 40, &close_after) ||
	    !kiln_arg_uint("--wait-ms", 1, 3600000, &wait_ms) ||
	    (tcp && tcp_configure_from_args() != 0))
		return 2;
	if (!port)
		port = "echo";
	if (!tcp && !peer) {
		kiln_puts(APP ": give --peer=NAME (or --tcp=ADDR:PORT)");
		return 2;
	}
	net_ipv4 addr = 0;
	uint64_t tport = 0;
	if (tcp) {
		char a[16];
		const char *colon = strchr(tcp, ':');
		size_t al = colon ? (size_t)(colon - tcp) : 0;
		char *end;
		if (!colon || al >= sizeof(a))
			goto bad_tcp;
		memcpy(a, tcp, al);
		a[al] = '\0';
		tport = strtoul(colon + 1, &end, 10);
		if (!net_ipv4_parse(a, &addr) || *end || tport == 0 ||
		    tport > 65535)
			goto bad_tcp;
		int err = net_start(NULL, kiln_now() + KILN_SEC(60));
		kiln_args_check();
		if (err) {
			kiln_printf(APP ": network: %s\n", kiln_strerror(err));
			return 1;
		}
		tc = tcp_connect(addr, (uint16_t)tport,
		                 kiln_now() + KILN_MSEC(wait_ms), &err);
		if (!tc) {
			kiln_printf(APP ": tcp %s: %s\n", tcp,
			            kiln_strerror(err));
			return 1;
		}
		tcp_set_nodelay(tc, true);
	} else {
		kiln_args_check();
		int err;
		vc = vchan_connect(peer, port, kiln_now() + KILN_MSEC(wait_ms),
		                   &err);
		if (!vc) {
			kiln_printf(APP ": peer %s port %s: %s\n", peer, port,
			            kiln_strerror(err));
			return 1;
		}
	}
	return count ? pings(count, size) : stream();
bad_tcp:
	kiln_printf(APP ": --tcp=%s: expected ADDR:PORT\n", tcp);
	return 2;
}
