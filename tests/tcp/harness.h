/*
 * tests/tcp/harness.h - a scripted world for TCP's host tests: a settable
 * clock with timers fired in deadline order, wait queues that run the
 * world while a "fiber" waits, and a fake IP layer that captures every
 * segment TCP sends (optionally looping it back through a lossy,
 * reordering, duplicating link).
 */
#ifndef KILN_TESTS_TCP_HARNESS_H
#define KILN_TESTS_TCP_HARNESS_H

#include "../../lib/net/stack.h"
#include "../../lib/net/tcp_impl.h"
#include "../../lib/net/wire/tcp.h"

#include <kiln/net.h>
#include <kiln/rt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H_LOCAL NET_IPV4(198, 18, 0, 2)
#define H_PEER NET_IPV4(198, 18, 0, 1)

extern kiln_time h_now;
extern size_t h_mtu; /* ipv4_payload_mtu() */

/* One captured segment. */
struct h_seg {
	net_ipv4 src, dst;
	uint8_t *bytes;
	size_t len;
	struct tcp_header h;
	const uint8_t *data;
	size_t data_len;
};

/* Captured output (when the link is off). */
extern struct h_seg *h_out;
extern unsigned h_nout;
void h_clear(void);
/* The i-th captured segment, failing the test if there is none. */
struct h_seg *h_get(unsigned i);
/* The last captured segment or NULL. */
struct h_seg *h_last(void);

/* Advance the clock by d, firing timers in order (and delivering link
 * traffic if the link is on). */
void h_advance(kiln_time d);
/* Fire whatever is due now. */
void h_poll(void);
/* The earliest armed timer deadline, or KILN_NEVER. */
kiln_time h_next_timer(void);

/* Send a segment to TCP. opt may be NULL. */
struct h_in {
	net_ipv4 src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	struct tcp_options opt;
	const void *data;
	size_t len;
};
void h_input(const struct h_in *in);

/* The loopback link: segments TCP sends are delivered back to it after
 * delay (plus up to jitter, which reorders), dropped with probability
 * loss, duplicated with probability dup (per mille each). */
struct h_link {
	bool on;
	kiln_time delay, jitter;
	unsigned loss_pm, dup_pm;
	unsigned reorder_pm; /* sent at once, overtaking the delayed ones */
};
extern struct h_link h_link;
/* Run the world until cond(arg) holds or the clock passes limit; false
 * on timeout. */
bool h_run_until(bool (*cond)(void *arg), void *arg, kiln_time limit);
uint32_t h_rand(void);
/* The packet pool as TCP sees it (net_tx_room, net_buf_wait): while
 * h_pool_dry is set there is no room; h_buffers_back() clears it and
 * calls the waiters back in order, as the transmit flush does. */
extern bool h_pool_dry;
void h_buffers_back(void);
/* Boot arguments kiln_arg_uint() sees (NULL-terminated). */
void h_set_args(const char **args);

/* Test reporting. */
extern int h_failed;
/* Abort at the first failed check (for the fuzzers). */
extern bool h_fail_aborts;
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			h_fail(__FILE__, __LINE__, #cond);                     \
			return;                                                \
		}                                                              \
	} while (0)
void h_fail(const char *file, int line, const char *what);

#endif /* KILN_TESTS_TCP_HARNESS_H */
