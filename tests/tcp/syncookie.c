/*
 * tests/tcp/syncookie.c - SYN cookies (lib/net/tcp_syncookie.c) on the
 * scripted IP layer of harness.c: the cookie's encoding, its expiry, the
 * options it carries through the timestamp field, and forged or altered
 * ACKs. Each test drives the stack through a full listener (a stack
 * without cookies answers none of these SYNs once its backlog is full,
 * and makes no connection from a bare ACK). One process per test, as in
 * unit.c.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PORT 80
#define PERIOD KILN_SEC(64)

/* A client's SYN and what it says. */
struct syn {
	net_ipv4 src;
	uint16_t sport;
	uint32_t isn;
	uint16_t mss; /* 0: no MSS option */
	int wscale;   /* -1: none */
	bool sack, ts;
	uint32_t tsval;
};

static void configure(unsigned mode)
{
	struct tcp_config cfg;
	tcp_config_defaults(&cfg);
	cfg.syncookies = mode;
	if (tcp_configure(&cfg) != 0)
		h_fail(__FILE__, __LINE__, "tcp_configure");
}

static void send_syn(const struct syn *s)
{
	struct h_in in;
	memset(&in, 0, sizeof(in));
	in.src = s->src;
	in.dst = H_LOCAL;
	in.sport = s->sport;
	in.dport = PORT;
	in.seq = s->isn;
	in.flags = TCP_SYN;
	in.window = 65535;
	if (s->mss) {
		in.opt.has_mss = true;
		in.opt.mss = s->mss;
	}
	if (s->wscale >= 0) {
		in.opt.has_wscale = true;
		in.opt.wscale = (uint8_t)s->wscale;
	}
	in.opt.sack_permitted = s->sack;
	if (s->ts) {
		in.opt.has_ts = true;
		in.opt.ts_val = s->tsval;
	}
	h_input(&in);
}

/* The third segment of the handshake for the SYN-ACK sa, with its fields
 * as given (tests alter them). */
struct ack {
	net_ipv4 src;
	uint16_t sport;
	uint32_t seq, ack;
	bool ts;
	uint32_t tsval, tsecr;
	uint16_t window;
	const void *data;
	size_t len;
};

static struct ack ack_for(const struct syn *s, const struct h_seg *sa)
{
	struct ack a;
	memset(&a, 0, sizeof(a));
	a.src = s->src;
	a.sport = s->sport;
	a.seq = s->isn + 1;
	a.ack = sa->h.seq + 1;
	a.ts = s->ts;
	a.tsval = s->tsval + 1;
	a.tsecr = sa->h.opt.ts_val;
	a.window = 1000;
	return a;
}

static void send_ack(const struct ack *a)
{
	struct h_in in;
	memset(&in, 0, sizeof(in));
	in.src = a->src;
	in.dst = H_LOCAL;
	in.sport = a->sport;
	in.dport = PORT;
	in.seq = a->seq;
	in.ack = a->ack;
	in.flags = TCP_ACK | (a->len ? TCP_PSH : 0);
	in.window = a->window;
	if (a->ts) {
		in.opt.has_ts = true;
		in.opt.ts_val = a->tsval;
		in.opt.ts_ecr = a->tsecr;
	}
	in.data = a->data;
	in.len = a->len;
	h_input(&in);
}

/* Fill the backlog of l with half-open entries from made-up sources. */
static void fill_backlog(struct tcp_listener *l)
{
	for (unsigned i = 0; l->n_queued < l->backlog && i < 1000; i++) {
		struct syn f = {.src = NET_IPV4(198, 19, 1, (uint8_t)(i + 1)),
		                .sport = (uint16_t)(10000 + i),
		                .isn = h_rand(),
		                .mss = 1460,
		                .wscale = -1};
		send_syn(&f);
	}
}

/* A listener of backlog 2, full; returns it. */
static struct tcp_listener *full_listener(void)
{
	int err;
	struct tcp_listener *l = tcp_listen(0, PORT, 2, &err);
	if (!l)
		return NULL;
	fill_backlog(l);
	h_clear();
	return l;
}

/* Send s, expect a cookie SYN-ACK and nothing kept; returns it. */
static struct h_seg *cookie_syn_ack(struct tcp_listener *l, const struct syn *s)
{
	unsigned queued = l->n_queued;
	uint64_t sent = net_counters.tcp_syncookies_sent;
	h_clear();
	send_syn(s);
	struct h_seg *sa = h_last();
	if (!sa || sa->h.flags != (TCP_SYN | TCP_ACK) ||
	    sa->h.ack != s->isn + 1 ||
	    net_counters.tcp_syncookies_sent != sent + 1 ||
	    l->n_queued != queued ||
	    tcp_lookup(H_LOCAL, PORT, s->src, s->sport))
		return NULL;
	return sa;
}

static struct syn client(uint16_t sport)
{
	struct syn s = {.src = H_PEER,
	                .sport = sport,
	                .isn = 0x7000000u + sport,
	                .mss = 1460,
	                .wscale = 7,
	                .sack = true,
	                .ts = true,
	                .tsval = 5000};
	return s;
}

/* ------------------------------------------------------------ tests */

/* Every MSS index and option combination decodes to what was encoded,
 * for the counter now and up to two periods later, and through the
 * stack: a cookie connection exchanges data both ways. */
static void test_round_trip(void)
{
	uint32_t now = tcp_syncookie_counter();
	for (unsigned m = 0; m < 8; m++) {
		CHECK(tcp_syncookie_mss_index(tcp_syncookie_mss(m)) == m);
		for (unsigned opts = 0; opts < 0x80; opts += 5) {
			uint32_t isn = tcp_syncookie_make(
			        H_LOCAL, PORT, H_PEER, 1234, 99, now, m, opts);
			for (uint32_t age = 0; age <= 2; age++)
				CHECK(tcp_syncookie_decode(
				              H_LOCAL, PORT, H_PEER, 1234, isn,
				              99, now + age, opts) == (int)m);
		}
	}
	CHECK(tcp_syncookie_mss(tcp_syncookie_mss_index(1000)) == 536);
	CHECK(tcp_syncookie_mss(tcp_syncookie_mss_index(1460)) == 1460);
	CHECK(tcp_syncookie_mss(tcp_syncookie_mss_index(20)) == 64);

	configure(TCP_SYNCOOKIES_AUTO);
	struct tcp_listener *l = full_listener();
	CHECK(l && l->n_queued == 2);
	struct syn s = client(40000);
	struct h_seg *sa0 = cookie_syn_ack(l, &s);
	CHECK(sa0);
	struct h_seg saved = *sa0, *sa = &saved; /* h_clear frees sa0 */
	CHECK(sa->h.opt.has_mss && sa->h.opt.mss == h_mtu - 20);
	CHECK(sa->h.opt.has_ts && sa->h.opt.ts_ecr == s.tsval);
	struct ack a = ack_for(&s, sa);
	const char msg[] = "hello through a cookie";
	a.data = msg;
	a.len = sizeof(msg);
	h_clear();
	send_ack(&a);
	CHECK(net_counters.tcp_syncookies_ok == 1);
	CHECK(net_counters.tcp_syncookies_failed == 0);
	int err;
	struct tcp_conn *c = tcp_accept_nowait(l, &err);
	CHECK(c);
	CHECK(!strcmp(tcp_state_name(c), "ESTABLISHED"));
	CHECK(c->iss == sa->h.seq && c->irs == s.isn);
	char buf[64];
	CHECK(tcp_recv(c, buf, sizeof(buf)) == (long)sizeof(msg));
	CHECK(!memcmp(buf, msg, sizeof(msg)));
	CHECK(tcp_send(c, "back", 4) == 4);
	struct h_seg *d = h_last();
	CHECK(d && d->data_len == 4 && !memcmp(d->data, "back", 4));
	CHECK(d->h.seq == sa->h.seq + 1);
	CHECK(d->h.ack == s.isn + 1 + sizeof(msg));
	/* Our timestamps go on from the SYN-ACK's, never back. */
	CHECK(d->h.opt.has_ts && SEQ_GEQ(d->h.opt.ts_val, sa->h.opt.ts_val));
	CHECK(d->h.opt.ts_ecr == a.tsval);
	tcp_abort(c);
}

/* A cookie is good for two periods of the counter and no longer. */
static void test_expiry(void)
{
	uint32_t now = tcp_syncookie_counter();
	uint32_t isn =
	        tcp_syncookie_make(H_LOCAL, PORT, H_PEER, 1, 2, now, 3, 0x4f);
	CHECK(tcp_syncookie_decode(H_LOCAL, PORT, H_PEER, 1, isn, 2, now + 2,
	                           0x4f) == 3);
	CHECK(tcp_syncookie_decode(H_LOCAL, PORT, H_PEER, 1, isn, 2, now + 3,
	                           0x4f) < 0);
	CHECK(tcp_syncookie_decode(H_LOCAL, PORT, H_PEER, 1, isn, 2, now + 31,
	                           0x4f) < 0);
	/* From the future (a counter ahead of ours) is no better. */
	CHECK(tcp_syncookie_decode(H_LOCAL, PORT, H_PEER, 1, isn, 2, now - 1,
	                           0x4f) < 0);

	/* Through the stack: two SYN-ACKs at the same time; the ACK to one
	 * after two periods works, to the other after three does not
	 * (another cookie sent meanwhile keeps cookies checked). */
	configure(TCP_SYNCOOKIES_AUTO);
	struct tcp_listener *l = full_listener();
	CHECK(l);
	/* At the start of a period, so that whole periods are counted. */
	h_advance(PERIOD - h_now % PERIOD);
	struct syn s1 = client(41001), s2 = client(41002);
	struct h_seg *sa = cookie_syn_ack(l, &s1);
	CHECK(sa);
	struct ack a1 = ack_for(&s1, sa);
	sa = cookie_syn_ack(l, &s2);
	CHECK(sa);
	struct ack a2 = ack_for(&s2, sa);
	h_advance(2 * PERIOD + PERIOD / 2);
	fill_backlog(l);
	struct syn s3 = client(41003);
	CHECK(cookie_syn_ack(l, &s3));
	send_ack(&a1);
	CHECK(net_counters.tcp_syncookies_ok == 1);
	CHECK(tcp_lookup(H_LOCAL, PORT, H_PEER, 41001));
	h_advance(PERIOD);
	fill_backlog(l);
	h_clear();
	send_ack(&a2);
	CHECK(net_counters.tcp_syncookies_ok == 1);
	CHECK(net_counters.tcp_syncookies_failed == 1);
	CHECK(!tcp_lookup(H_LOCAL, PORT, H_PEER, 41002));
	/* It is answered as any stray ACK to a listener: with a RST. */
	struct h_seg *r = h_last();
	CHECK(r && (r->h.flags & TCP_RST) && r->h.seq == a2.ack);
}

/* What a cookie connection agreed, for a SYN with the given options. */
static struct tcp_conn *cookie_conn(struct tcp_listener *l, struct syn *s,
                                    struct h_seg **sa_out)
{
	struct h_seg *sa = cookie_syn_ack(l, s);
	if (!sa)
		return NULL;
	static struct h_seg saved;
	saved = *sa;
	*sa_out = &saved;
	struct ack a = ack_for(s, sa);
	send_ack(&a);
	int err;
	return tcp_accept_nowait(l, &err);
}

/* Window scale, SACK-permitted and timestamps come back through the
 * TSecr field; without timestamps only the MSS does, and the SYN-ACK
 * offers no more than it can keep. */
static void test_options_kept(void)
{
	configure(TCP_SYNCOOKIES_AUTO);
	struct tcp_listener *l = full_listener();
	CHECK(l);
	struct h_seg *sa;
	int err;
	uint16_t port = 42000;
	for (int ws = -1; ws <= 14; ws++) {
		for (int sack = 0; sack <= 1; sack++) {
			struct syn s = client(port++);
			s.wscale = ws;
			s.sack = sack;
			s.mss = (uint16_t)(1300 + ws);
			struct tcp_conn *c = cookie_conn(l, &s, &sa);
			CHECK(c);
			CHECK(sa->h.opt.has_wscale == (ws >= 0));
			CHECK(sa->h.opt.sack_permitted == (bool)sack);
			if (ws >= 0)
				CHECK(sa->h.opt.wscale == tcp_choose_wscale());
			CHECK((c->flags & TF_TS) != 0);
			CHECK(((c->flags & TF_SACK) != 0) == (bool)sack);
			CHECK(((c->flags & TF_WSCALE) != 0) == (ws >= 0));
			CHECK(c->snd_wscale == (ws >= 0 ? ws : 0));
			CHECK(c->rcv_wscale ==
			      (ws >= 0 ? tcp_choose_wscale() : 0));
			CHECK(c->snd_wnd == 1000u << (ws >= 0 ? ws : 0));
			/* MSS 1299..1314: the table's 1220 or 1300, less the
			 * timestamps. */
			CHECK(c->peer_mss == (s.mss < 1300 ? 1220 : 1300));
			CHECK(c->smss == c->peer_mss - 12);
			tcp_abort(c);
			fill_backlog(l);
		}
	}
	/* No timestamps: only the MSS is kept, and nothing else offered. */
	struct syn s = client(port++);
	s.ts = false;
	s.mss = 1440;
	struct tcp_conn *c = cookie_conn(l, &s, &sa);
	CHECK(c);
	CHECK(!sa->h.opt.has_ts && !sa->h.opt.has_wscale &&
	      !sa->h.opt.sack_permitted);
	CHECK(!(c->flags & (TF_TS | TF_SACK | TF_WSCALE)));
	CHECK(c->peer_mss == 1440 && c->smss == 1440);
	tcp_abort(c);
	fill_backlog(l);
	/* No MSS option: 536 (RFC 9293 3.7.1). */
	s = client(port++);
	s.mss = 0;
	c = cookie_conn(l, &s, &sa);
	CHECK(c && c->peer_mss == 536);
	tcp_abort(c);
	fill_backlog(l);
	/* With SACK agreed, it is used: out-of-order data gets SACK
	 * blocks. */
	s = client(port++);
	c = cookie_conn(l, &s, &sa);
	CHECK(c && (c->flags & TF_SACK));
	struct ack a = ack_for(&s, sa);
	uint8_t data[100];
	memset(data, 'x', sizeof(data));
	a.seq += 500; /* a hole of 500 bytes */
	a.data = data;
	a.len = sizeof(data);
	h_clear();
	send_ack(&a);
	struct h_seg *o = h_last();
	CHECK(o && o->h.ack == s.isn + 1 && o->h.opt.n_sack == 1);
	CHECK(o->h.opt.sack[0].start == s.isn + 501);
	CHECK(o->h.opt.sack[0].end == s.isn + 601);
	(void)err;
	tcp_abort(c);
}

/* Forged ACKs and altered cookies make no connection; the genuine one
 * still works afterwards. */
static void test_forged_rejected(void)
{
	configure(TCP_SYNCOOKIES_AUTO);
	struct tcp_listener *l = full_listener();
	CHECK(l);
	struct syn s = client(43000);
	struct h_seg *sa = cookie_syn_ack(l, &s);
	CHECK(sa);
	struct ack good = ack_for(&s, sa);

	/* Blind guesses from many sources. */
	for (unsigned i = 0; i < 20000; i++) {
		struct ack f = good;
		f.src = NET_IPV4(198, 19, (uint8_t)(i >> 8), (uint8_t)i);
		f.sport = (uint16_t)(1024 + i);
		f.seq = h_rand();
		f.ack = h_rand();
		f.tsecr = h_rand();
		send_ack(&f);
	}
	CHECK(net_counters.tcp_syncookies_ok == 0);
	CHECK(net_counters.tcp_syncookies_failed == 20000);

	/* The genuine ACK with one thing changed. */
	struct ack alt[10];
	for (unsigned i = 0; i < 10; i++)
		alt[i] = good;
	alt[0].ack += 1;
	alt[1].ack ^= 1u << 24; /* the MSS index */
	alt[2].ack ^= 1u << 28; /* the counter */
	alt[3].seq += 1;        /* another peer ISN */
	alt[4].tsecr ^= 0x10;   /* SACK */
	alt[5].tsecr ^= 0x01;   /* window scale */
	alt[6].tsecr |= 0x0f;   /* no window scale */
	alt[7].ts = false;      /* timestamps dropped */
	alt[8].sport += 1;      /* another tuple */
	alt[9].src = NET_IPV4(198, 18, 0, 9);
	uint64_t failed = net_counters.tcp_syncookies_failed;
	for (unsigned i = 0; i < 10; i++) {
		send_ack(&alt[i]);
		CHECK(net_counters.tcp_syncookies_ok == 0);
		CHECK(net_counters.tcp_syncookies_failed == failed + i + 1);
		CHECK(!tcp_lookup(H_LOCAL, PORT, alt[i].src, alt[i].sport));
	}
	/* SYN, RST or no ACK: not a cookie's answer at all. */
	struct h_in in;
	memset(&in, 0, sizeof(in));
	in.src = good.src;
	in.dst = H_LOCAL;
	in.sport = good.sport;
	in.dport = PORT;
	in.seq = good.seq;
	in.ack = good.ack;
	in.flags = TCP_ACK | TCP_RST;
	h_input(&in);
	in.flags = TCP_FIN;
	h_input(&in);
	CHECK(net_counters.tcp_syncookies_failed == failed + 10);
	CHECK(!tcp_lookup(H_LOCAL, PORT, good.src, good.sport));

	send_ack(&good);
	CHECK(net_counters.tcp_syncookies_ok == 1);
	int err;
	struct tcp_conn *c = tcp_accept_nowait(l, &err);
	CHECK(c && c->rport == 43000);
	tcp_abort(c);
}

/* The knob: cookies only once the backlog is full (auto), never (off:
 * the SYN is dropped and a bare ACK is reset), or for every SYN (always);
 * and --tcp-syncookies. A client gets through a flood that fills the
 * backlog. */
static void test_modes(void)
{
	int err;
	configure(TCP_SYNCOOKIES_AUTO);
	struct tcp_listener *l = tcp_listen(0, PORT, 4, &err);
	CHECK(l);
	struct syn s = client(44000);
	send_syn(&s);
	CHECK(net_counters.tcp_syncookies_sent == 0 && l->n_queued == 1);
	/* A flood of 5000 SYNs from spoofed sources. */
	for (unsigned i = 0; i < 5000; i++) {
		struct syn f = {
		        .src = NET_IPV4(198, 19, (uint8_t)(i >> 8), (uint8_t)i),
		        .sport = (uint16_t)(2000 + i),
		        .isn = h_rand(),
		        .mss = 1460,
		        .wscale = -1};
		send_syn(&f);
	}
	CHECK(l->n_queued == 4);
	CHECK(net_counters.tcp_syncookies_sent == 4997);
	CHECK(net_counters.tcp_syn_backlog_drops == 0);
	/* A client during the flood. */
	struct syn s2 = client(44001);
	struct h_seg *sa = cookie_syn_ack(l, &s2);
	CHECK(sa);
	struct ack a = ack_for(&s2, sa);
	send_ack(&a);
	struct tcp_conn *c = tcp_accept_nowait(l, &err);
	CHECK(c && c->rport == 44001);
	tcp_abort(c);
	tcp_listener_close(l);

	/* The accept queue full: the ACK is dropped (and counted). */
	l = tcp_listen(0, PORT, 2, &err);
	CHECK(l);
	struct syn r1 = client(44100), r2 = client(44101), r3 = client(44102);
	send_syn(&r1);
	send_ack(&(struct ack){.src = H_PEER,
	                       .sport = r1.sport,
	                       .seq = r1.isn + 1,
	                       .ack = h_last()->h.seq + 1,
	                       .ts = true,
	                       .tsecr = h_last()->h.opt.ts_val,
	                       .window = 1000});
	send_syn(&r2);
	send_ack(&(struct ack){.src = H_PEER,
	                       .sport = r2.sport,
	                       .seq = r2.isn + 1,
	                       .ack = h_last()->h.seq + 1,
	                       .ts = true,
	                       .tsecr = h_last()->h.opt.ts_val,
	                       .window = 1000});
	CHECK(l->n_queued == 2 && l->ready_head && l->ready_head->qnext);
	sa = cookie_syn_ack(l, &r3);
	CHECK(sa);
	a = ack_for(&r3, sa);
	uint64_t drops = net_counters.tcp_syn_backlog_drops;
	send_ack(&a);
	CHECK(net_counters.tcp_syn_backlog_drops == drops + 1);
	CHECK(!tcp_lookup(H_LOCAL, PORT, H_PEER, r3.sport));
	/* Once accepted, the retransmitted ACK gets in. */
	c = tcp_accept_nowait(l, &err);
	CHECK(c);
	send_ack(&a);
	CHECK(tcp_lookup(H_LOCAL, PORT, H_PEER, r3.sport));
	tcp_abort(c);
	tcp_listener_close(l);
}

static void test_mode_off(void)
{
	int err;
	configure(TCP_SYNCOOKIES_OFF);
	struct tcp_listener *l = tcp_listen(0, PORT, 2, &err);
	CHECK(l);
	fill_backlog(l);
	h_clear();
	struct syn s = client(45000);
	send_syn(&s);
	CHECK(h_nout == 0);
	CHECK(net_counters.tcp_syncookies_sent == 0);
	CHECK(net_counters.tcp_syn_backlog_drops == 1);
	/* A cookie made with our key is not taken either. */
	struct ack a;
	memset(&a, 0, sizeof(a));
	a.src = H_PEER;
	a.sport = 45000;
	a.seq = s.isn + 1;
	a.ack = tcp_syncookie_make(H_LOCAL, PORT, H_PEER, 45000, s.isn,
	                           tcp_syncookie_counter(), 6, 0x0f) +
	        1;
	a.window = 1000;
	send_ack(&a);
	CHECK(!tcp_lookup(H_LOCAL, PORT, H_PEER, 45000));
	CHECK(net_counters.tcp_syncookies_ok == 0);
	struct h_seg *r = h_last();
	CHECK(r && (r->h.flags & TCP_RST));
	/* The knob made the difference: the same SYN with cookies on. */
	tcp_cfg.syncookies = TCP_SYNCOOKIES_AUTO;
	struct h_seg *sa = cookie_syn_ack(l, &s);
	CHECK(sa);
	a = ack_for(&s, sa);
	send_ack(&a);
	CHECK(tcp_lookup(H_LOCAL, PORT, H_PEER, 45000));
	CHECK(net_counters.tcp_syncookies_ok == 1);
}

static void test_mode_always(void)
{
	const char *args[] = {"--tcp-syncookies=2", NULL};
	h_set_args(args);
	CHECK(tcp_configure_from_args() == 0);
	CHECK(tcp_cfg.syncookies == TCP_SYNCOOKIES_ALWAYS);
	int err;
	struct tcp_listener *l = tcp_listen(0, PORT, 8, &err);
	CHECK(l);
	/* Even with room in the backlog. */
	struct syn s = client(46000);
	struct h_seg *sa = cookie_syn_ack(l, &s);
	CHECK(sa && l->n_queued == 0);
	struct ack a = ack_for(&s, sa);
	send_ack(&a);
	struct tcp_conn *c = tcp_accept_nowait(l, &err);
	CHECK(c && (c->flags & (TF_TS | TF_SACK | TF_WSCALE)) ==
	                   (TF_TS | TF_SACK | TF_WSCALE));
	tcp_abort(c);
	const char *bad[] = {"--tcp-syncookies=3", NULL};
	h_set_args(bad);
	CHECK(tcp_configure_from_args() != 0);
}

struct test {
	const char *name;
	void (*fn)(void);
};

#define T(n)                                                                   \
	{                                                                      \
#n, test_##n                                                   \
	}
static const struct test tests[] = {
        T(round_trip), T(expiry),   T(options_kept), T(forged_rejected),
        T(modes),      T(mode_off), T(mode_always),
};

int main(int argc, char **argv)
{
	int failed = 0;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && strcmp(argv[1], tests[i].name))
			continue;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			tests[i].fn();
			h_clear();
			_exit(h_failed ? 1 : 0);
		}
		int st;
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			printf("PASS: tcp syncookie %s\n", tests[i].name);
		} else {
			printf("FAIL: tcp syncookie %s: %s\n", tests[i].name,
			       WIFEXITED(st) ? "check failed (see stderr)"
			                     : "crashed");
			failed++;
		}
	}
	return failed ? 1 : 0;
}
