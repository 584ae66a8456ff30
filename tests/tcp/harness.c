/*
 * tests/tcp/harness.c - the scripted world of harness.h: the runtime
 * pieces TCP uses (clock, timers, wait queues, logging, boot arguments)
 * and the IP layer below it (lib/net/stack.h).
 */
#include "harness.h"

#include "../../lib/net/wire/checksum.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kiln_time h_now = KILN_SEC(100);
size_t h_mtu = 1480;
struct net_counters net_counters;
struct h_seg *h_out;
unsigned h_nout;
struct h_link h_link;
int h_failed;

/* --------------------------------------------------------- runtime */

kiln_time kiln_now(void)
{
	return h_now;
}

kiln_time kiln_wall(void)
{
	return KILN_SEC(1700000000) + h_now;
}

/* A 64 MiB heap, for the defaults TCP derives from it. */
void kiln_mem_stats(struct kiln_mem_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->heap_size = (size_t)64 << 20;
}

enum kiln_log_level kiln_log_level = KILN_LOG_WARN;

void kiln_log(enum kiln_log_level level, const char *subsystem, const char *fmt,
              ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "[%d] %s: ", (int)level, subsystem);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

_Noreturn void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "panic: %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static const char **h_args;

void h_set_args(const char **args)
{
	h_args = args;
}

bool kiln_arg_uint(const char *name, uint64_t min, uint64_t max, uint64_t *out)
{
	size_t n = strlen(name);
	for (const char **a = h_args; a && *a; a++) {
		if (strncmp(*a, name, n) || (*a)[n] != '=')
			continue;
		char *end;
		unsigned long long v = strtoull(*a + n + 1, &end, 0);
		if (*end || v < min || v > max) {
			fprintf(stderr, "boot argument %s: bad value\n", name);
			return false;
		}
		*out = v;
	}
	return true;
}

const char *kiln_arg_string(const char *name)
{
	size_t n = strlen(name);
	const char *v = NULL;
	for (const char **a = h_args; a && *a; a++)
		if (!strncmp(*a, name, n) && (*a)[n] == '=')
			v = *a + n + 1;
	return v;
}

int kiln_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}

net_ipv4 net_local_address(void)
{
	return H_LOCAL;
}

/* Timers: a small array; the earliest (then the first armed) fires. */
#define MAX_TIMERS 8192
static struct kiln_timer *timers[MAX_TIMERS];
static unsigned n_timers;
static uint64_t timer_seq;

void kiln_timer_init(struct kiln_timer *t,
                     void (*fn)(struct kiln_timer *t, void *arg), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void kiln_timer_cancel(struct kiln_timer *t)
{
	if (!t->index)
		return;
	unsigned i = t->index - 1;
	timers[i] = timers[--n_timers];
	timers[i]->index = i + 1;
	t->index = 0;
}

void kiln_timer_arm(struct kiln_timer *t, kiln_time deadline)
{
	kiln_timer_cancel(t);
	if (n_timers == MAX_TIMERS)
		kiln_panic("harness: too many timers");
	t->deadline = deadline;
	t->seq = ++timer_seq;
	timers[n_timers++] = t;
	t->index = n_timers;
}

bool kiln_timer_armed(const struct kiln_timer *t)
{
	return t->index != 0;
}

kiln_time h_next_timer(void)
{
	kiln_time d = KILN_NEVER;
	for (unsigned i = 0; i < n_timers; i++)
		if (timers[i]->deadline < d)
			d = timers[i]->deadline;
	return d;
}

static bool fire_one(void)
{
	struct kiln_timer *best = NULL;
	for (unsigned i = 0; i < n_timers; i++) {
		struct kiln_timer *t = timers[i];
		if (t->deadline > h_now)
			continue;
		if (!best || t->deadline < best->deadline ||
		    (t->deadline == best->deadline && t->seq < best->seq))
			best = t;
	}
	if (!best)
		return false;
	kiln_timer_cancel(best);
	best->fn(best, best->arg);
	return true;
}

/* ------------------------------------------------------------ link */

struct pending {
	kiln_time at;
	net_ipv4 src, dst;
	uint8_t *bytes;
	size_t len;
};
static struct pending *link_q;
static unsigned link_n, link_cap;

uint32_t h_rand(void)
{
	static uint64_t s = 0x9e3779b97f4a7c15ULL;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 32);
}

static void link_push(kiln_time at, net_ipv4 src, net_ipv4 dst,
                      const uint8_t *b, size_t len)
{
	if (link_n == link_cap) {
		link_cap = link_cap ? 2 * link_cap : 256;
		link_q = realloc(link_q, link_cap * sizeof(*link_q));
	}
	struct pending *p = &link_q[link_n++];
	p->at = at;
	p->src = src;
	p->dst = dst;
	p->bytes = malloc(len ? len : 1);
	memcpy(p->bytes, b, len);
	p->len = len;
}

static kiln_time link_next(void)
{
	kiln_time d = KILN_NEVER;
	for (unsigned i = 0; i < link_n; i++)
		if (link_q[i].at < d)
			d = link_q[i].at;
	return d;
}

static bool deliver_one(void)
{
	int best = -1;
	for (unsigned i = 0; i < link_n; i++)
		if (link_q[i].at <= h_now &&
		    (best < 0 || link_q[i].at < link_q[best].at))
			best = (int)i;
	if (best < 0)
		return false;
	struct pending p = link_q[best];
	memmove(&link_q[best], &link_q[best + 1],
	        (link_n - (unsigned)best - 1) * sizeof(*link_q));
	link_n--;
	tcp_input(p.src, p.dst, p.bytes, p.len);
	free(p.bytes);
	return true;
}

void h_poll(void)
{
	while (fire_one() || deliver_one())
		;
}

void h_advance(kiln_time d)
{
	kiln_time target = h_now + d;
	for (;;) {
		h_poll();
		kiln_time next = h_next_timer();
		kiln_time ln = link_next();
		if (ln < next)
			next = ln;
		if (next > target)
			break;
		if (next > h_now)
			h_now = next;
	}
	h_now = target;
	h_poll();
}

bool h_run_until(bool (*cond)(void *arg), void *arg, kiln_time limit)
{
	for (;;) {
		h_poll();
		if (cond(arg))
			return true;
		kiln_time next = h_next_timer();
		kiln_time ln = link_next();
		if (ln < next)
			next = ln;
		if (next == KILN_NEVER || next > limit)
			return false;
		if (next > h_now)
			h_now = next;
	}
}

/* ------------------------------------------------------ wait queues */

void kiln_waitq_init(struct kiln_waitq *q)
{
	q->head = q->tail = NULL;
}

/* The one "fiber" waits by running the world until woken. */
int kiln_waitq_wait(struct kiln_waitq *q, kiln_time deadline)
{
	q->head = (struct kiln_fiber *)q; /* marks "someone waits" */
	for (;;) {
		h_poll();
		if (!q->head)
			return 0;
		kiln_time next = h_next_timer();
		kiln_time ln = link_next();
		if (ln < next)
			next = ln;
		if (next >= deadline || next == KILN_NEVER) {
			if (deadline != KILN_NEVER && deadline > h_now)
				h_now = deadline;
			h_poll();
			bool woken = !q->head;
			q->head = NULL;
			return woken ? 0 : -KILN_ETIMEDOUT;
		}
		if (next > h_now)
			h_now = next;
	}
}

unsigned kiln_waitq_wake_one(struct kiln_waitq *q)
{
	if (!q->head)
		return 0;
	q->head = NULL;
	return 1;
}

unsigned kiln_waitq_wake_all(struct kiln_waitq *q)
{
	return kiln_waitq_wake_one(q);
}

/* ------------------------------------------------------ IP layer */

size_t ipv4_payload_mtu(void)
{
	return h_mtu;
}

/* The scripted IP layer has no offloads. */
bool net_rx_csum_trusted;

bool net_tx_csum_offload(void)
{
	return false;
}

size_t net_tso_max_payload(void)
{
	return 0;
}

int ipv4_output_tcp_offload(net_ipv4 src, net_ipv4 dst,
                            const struct net_chunk *chunks, unsigned n,
                            uint16_t gso_size)
{
	(void)gso_size;
	return ipv4_output(src, dst, NET_PROTO_TCP, chunks, n);
}

int ipv4_output(net_ipv4 src, net_ipv4 dst, uint8_t proto,
                const struct net_chunk *chunks, unsigned n)
{
	size_t len = 0;
	for (unsigned i = 0; i < n; i++)
		len += chunks[i].len;
	if (proto != NET_PROTO_TCP || len > h_mtu) {
		h_fail(__FILE__, __LINE__, "ipv4_output: bad proto or size");
		return -KILN_EMSGSIZE;
	}
	uint8_t *b = malloc(len ? len : 1);
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		memcpy(b + off, chunks[i].data, chunks[i].len);
		off += chunks[i].len;
	}
	if (!tcp_checksum_ok(src, dst, b, len))
		h_fail(__FILE__, __LINE__, "ipv4_output: bad TCP checksum");
	net_counters.tx_frames++;
	if (h_link.on) {
		if (h_link.loss_pm && h_rand() % 1000 < h_link.loss_pm) {
			free(b);
			return 0;
		}
		unsigned copies = 1;
		if (h_link.dup_pm && h_rand() % 1000 < h_link.dup_pm)
			copies = 2;
		for (unsigned c = 0; c < copies; c++) {
			kiln_time j =
			        h_link.jitter
			                ? (kiln_time)(h_rand() %
			                              (uint64_t)h_link.jitter)
			                : 0;
			kiln_time d = h_link.delay + j;
			if (h_link.reorder_pm &&
			    h_rand() % 1000 < h_link.reorder_pm)
				d = 0;
			link_push(h_now + d, src, dst, b, len);
		}
		free(b);
		return 0;
	}
	h_out = realloc(h_out, (h_nout + 1) * sizeof(*h_out));
	struct h_seg *s = &h_out[h_nout++];
	memset(s, 0, sizeof(*s));
	s->src = src;
	s->dst = dst;
	s->bytes = b;
	s->len = len;
	struct kiln_view payload;
	if (tcp_parse(kiln_view_make(b, len), &s->h, &payload) != TCP_PARSE_OK)
		h_fail(__FILE__, __LINE__, "ipv4_output: unparsable segment");
	s->data = payload.p;
	s->data_len = payload.len;
	return 0;
}

bool h_pool_dry;
static struct net_buf_waiter *h_wait_head, *h_wait_tail;

bool net_tx_room(void)
{
	return !h_pool_dry;
}

bool net_tx_any_buffer(void)
{
	return !h_pool_dry;
}

void net_buf_wait(struct net_buf_waiter *w)
{
	if (w->queued)
		return;
	w->queued = true;
	w->next = NULL;
	if (h_wait_tail)
		h_wait_tail->next = w;
	else
		h_wait_head = w;
	h_wait_tail = w;
}

void net_buf_wait_cancel(struct net_buf_waiter *w)
{
	struct net_buf_waiter **pp = &h_wait_head, *prev = NULL;
	if (!w->queued)
		return;
	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			if (h_wait_tail == w)
				h_wait_tail = prev;
			break;
		}
	}
	w->queued = false;
	w->next = NULL;
}

void h_buffers_back(void)
{
	h_pool_dry = false;
	while (h_wait_head && !h_pool_dry) {
		struct net_buf_waiter *w = h_wait_head;
		h_wait_head = w->next;
		if (!h_wait_head)
			h_wait_tail = NULL;
		w->next = NULL;
		w->queued = false;
		w->fn(w);
	}
}

void h_clear(void)
{
	for (unsigned i = 0; i < h_nout; i++)
		free(h_out[i].bytes);
	free(h_out);
	h_out = NULL;
	h_nout = 0;
}

struct h_seg *h_get(unsigned i)
{
	static struct h_seg none;
	if (i >= h_nout) {
		h_fail(__FILE__, __LINE__,
		       "expected a segment that was not sent");
		memset(&none, 0, sizeof(none));
		return &none;
	}
	return &h_out[i];
}

struct h_seg *h_last(void)
{
	return h_nout ? &h_out[h_nout - 1] : NULL;
}

void h_input(const struct h_in *in)
{
	struct tcp_header h;
	uint8_t buf[70000];
	memset(&h, 0, sizeof(h));
	h.sport = in->sport;
	h.dport = in->dport;
	h.seq = in->seq;
	h.ack = in->ack;
	h.flags = in->flags;
	h.window = in->window;
	h.opt = in->opt;
	size_t hl = tcp_emit(buf, sizeof(buf), &h);
	if (!hl || hl + in->len > sizeof(buf)) {
		h_fail(__FILE__, __LINE__, "h_input: cannot build");
		return;
	}
	if (in->len)
		memcpy(buf + hl, in->data, in->len);
	struct net_chunk none;
	(void)none;
	uint32_t sum = net_csum_pseudo(0, in->src, in->dst, NET_PROTO_TCP,
	                               (uint16_t)(hl + in->len));
	sum = net_csum_add(sum, buf, hl + in->len);
	uint16_t c = net_csum_finish(sum);
	buf[16] = (uint8_t)(c >> 8);
	buf[17] = (uint8_t)c;
	tcp_input(in->src, in->dst, buf, hl + in->len);
}

bool h_fail_aborts;

void h_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "  check failed at %s:%d: %s\n", file, line, what);
	h_failed++;
	if (h_fail_aborts)
		abort();
}
