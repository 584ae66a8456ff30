/*
 * fuzz/tls_conn.c - lib/tls's connections (lib/tls/tls.c over wolfSSL)
 * fed by the fuzzer through an in-memory transport standing in for TCP
 * (the calls of kiln/net.h that tls.c makes).
 *
 * The first byte picks the mode:
 * - even: the rest is what a client sends to a server-side tls_conn, in
 *   chunks [n][n bytes], each delivered and followed by the server's
 *   reads (tls_peek/tls_consume or tls_recv), then a FIN;
 * - odd: a lib/tls client and server talk through two in-memory pipes,
 *   the fuzzer choosing each step: deliver some of either direction's
 *   bytes, shrink a side's send room, flip a byte in flight, send
 *   application bytes either way, shut down or close a side.
 * Checked: nothing crashes or leaks (ASan), every byte tls_recv hands
 * out is the next byte the other side sent (a flipped byte must be
 * caught by the record protection, never delivered), each side's heap
 * stays within its cap, and a connection that finished its handshake
 * without interference agrees on TLS 1.3 or 1.2 and ALPN http/1.1.
 *
 * Random bytes are a fixed sequence (each run repeats); the wall clock
 * is a fixed date inside the certificate's validity.
 */
// clang-format off
// fuzz-needs: _deps/wolfssl-5.5.4
// clang-format on
#include "../lib/tls/tls_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A self-signed P-256 certificate for localhost (valid 2026-2126) and
 * its key, made for this harness only. */
static const char cert_pem[] =
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBlTCCATugAwIBAgIUPW1TD/w8bvHX/0rCd6/stsi2xAowCgYIKoZIzj0EAwIw\n"
        "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwMjE5NDUzMFoYDzIxMjYxMTA4\n"
        "MTk0NTMwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
        "PQMBBwNCAAQXHi9jOkNBnFOu+D1RAL/Y7KOvEPcj/OQynTXk4MKNd9gXiL0Jx20L\n"
        "DW2A3afZJJBEq0CpZ2doSICF7az4lY8wo2kwZzAdBgNVHQ4EFgQUetlabFXRDBYE\n"
        "np2QjwnULt/kX/kwHwYDVR0jBBgwFoAUetlabFXRDBYEnp2QjwnULt/kX/kwFAYD\n"
        "VR0RBA0wC4IJbG9jYWxob3N0MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID\n"
        "SAAwRQIhAJOKuckeN4hKIkU5pgVjtRzmiTYU+Iq3SQ0rX/20O+7HAiAGtbXFOPks\n"
        "QlDdgMgykycrVbgbe4wGV9Q+NMv3Q6wAhA==\n"
        "-----END CERTIFICATE-----\n";
static const char key_pem[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmRr/dTQ6zF/8vjIB\n"
        "TOPjKXBC/yKMGGObY1Xa9emboPihRANCAAQXHi9jOkNBnFOu+D1RAL/Y7KOvEPcj\n"
        "/OQynTXk4MKNd9gXiL0Jx20LDW2A3afZJJBEq0CpZ2doSICF7az4lY8w\n"
        "-----END PRIVATE KEY-----\n";

/* ------------------------------------------------- what tls.c needs */

enum kiln_log_level kiln_log_level = KILN_LOG_ERROR;
static uint64_t rng_state;
static uint64_t now_ns;

void kiln_log(enum kiln_log_level level, const char *subsystem, const char *fmt,
              ...)
{
	(void)level;
	(void)subsystem;
	(void)fmt;
}

char *net_ipv4_format(net_ipv4 a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
	         (a >> 8) & 255, a & 255);
	return buf;
}

void kiln_random(void *out, size_t len)
{
	uint8_t *p = out;
	for (size_t i = 0; i < len; i++) {
		/* splitmix64, one byte of each output */
		uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		p[i] = (uint8_t)(z ^ (z >> 31));
	}
}

void kiln_random_require(const char *who)
{
	(void)who;
}

kiln_time kiln_now(void)
{
	return (kiln_time)now_ns;
}

kiln_time kiln_wall(void)
{
	return (kiln_time)1893456000 * KILN_SEC(1); /* 2030-01-01 */
}

/* ------------------------------------------- the in-memory transport */

#define PIPE_MAX (256u * 1024)

struct tcp_conn {
	struct tcp_conn *peer;
	/* What this side sent that the peer has not been given yet. */
	uint8_t *tx;
	size_t tx_len;
	size_t room; /* the most tx may hold (the send window) */
	/* What the peer's bytes delivered so far left to read. */
	uint8_t *rx;
	size_t rx_off, rx_len;
	bool fin_in;   /* the peer's FIN came (after rx) */
	bool fin_out;  /* this side sent FIN */
	bool gone;     /* closed or aborted by its owner */
	bool reset_in; /* the peer aborted */
	void (*fn)(struct tcp_conn *c, unsigned events, void *arg);
	void *arg;
};

long tcp_recv(struct tcp_conn *c, void *buf, size_t len)
{
	if (c->reset_in)
		return -KILN_ECONNRESET;
	if (c->rx_len == 0)
		return c->fin_in ? 0 : -KILN_EAGAIN;
	size_t n = len < c->rx_len ? len : c->rx_len;
	memcpy(buf, c->rx + c->rx_off, n);
	c->rx_off += n;
	c->rx_len -= n;
	if (c->rx_len == 0)
		c->rx_off = 0;
	return (long)n;
}

size_t tcp_send_space(struct tcp_conn *c)
{
	if (c->fin_out || c->reset_in)
		return 0;
	return c->room > c->tx_len ? c->room - c->tx_len : 0;
}

size_t tcp_send_queued(const struct tcp_conn *c)
{
	return c->tx_len;
}

long tcp_send(struct tcp_conn *c, const void *buf, size_t len)
{
	if (c->reset_in)
		return -KILN_ECONNRESET;
	if (c->fin_out)
		return -KILN_EPIPE;
	size_t n = tcp_send_space(c);
	if (n == 0)
		return -KILN_EAGAIN;
	if (n > len)
		n = len;
	memcpy(c->tx + c->tx_len, buf, n);
	c->tx_len += n;
	return (long)n;
}

void tcp_on_event(struct tcp_conn *c,
                  void (*fn)(struct tcp_conn *c, unsigned events, void *arg),
                  void *arg)
{
	c->fn = fn;
	c->arg = arg;
}

void tcp_shutdown(struct tcp_conn *c)
{
	c->fin_out = true;
}

void tcp_close(struct tcp_conn *c)
{
	c->fin_out = true;
	c->gone = true;
	c->fn = NULL;
}

void tcp_abort(struct tcp_conn *c)
{
	c->gone = true;
	c->fn = NULL;
	c->tx_len = 0;
	if (c->peer)
		c->peer->reset_in = true;
}

void tcp_peer(const struct tcp_conn *c, net_ipv4 *addr, uint16_t *port)
{
	(void)c;
	*addr = 0xc6120001; /* 198.18.0.1 */
	*port = 40000;
}

static void conn_init(struct tcp_conn *c, struct tcp_conn *peer)
{
	memset(c, 0, sizeof *c);
	c->peer = peer;
	c->tx = malloc(PIPE_MAX);
	c->rx = malloc(PIPE_MAX);
	c->room = PIPE_MAX;
}

static void conn_fini(struct tcp_conn *c)
{
	free(c->tx);
	free(c->rx);
}

static void fire(struct tcp_conn *c, unsigned events)
{
	if (!c->gone && c->fn)
		c->fn(c, events, c->arg);
}

/* Move up to n of from's unsent bytes to its peer, then tell both. */
static void deliver(struct tcp_conn *from, size_t n)
{
	struct tcp_conn *to = from->peer;
	if (n > from->tx_len)
		n = from->tx_len;
	if (!to->gone && n > 0) {
		memmove(to->rx, to->rx + to->rx_off, to->rx_len);
		to->rx_off = 0;
		if (n > PIPE_MAX - to->rx_len)
			n = PIPE_MAX - to->rx_len;
		memcpy(to->rx + to->rx_len, from->tx, n);
		to->rx_len += n;
	}
	memmove(from->tx, from->tx + n, from->tx_len - n);
	from->tx_len -= n;
	if (from->fin_out && from->tx_len == 0 && !to->fin_in) {
		to->fin_in = true;
		n = 1;
	}
	if (n > 0)
		fire(to, TCP_EV_READABLE);
	fire(from, TCP_EV_WRITABLE);
}

/* ------------------------------------------------------ the owners */

struct side {
	const char *name;
	struct tcp_conn tcp;
	struct tls_conn *tls;
	uint64_t sent, got; /* application bytes */
	bool ended;         /* eof or failure seen */
	struct side *other;
};

static bool tampered; /* a byte in flight was flipped */
static bool cut;      /* a side was closed or aborted before the end */

static uint8_t pattern(const struct side *s, uint64_t i)
{
	/* Each direction's stream: a byte sequence of its own. */
	return (uint8_t)(i * 31 + (s->name[0] == 'c' ? 7 : 101) + (i >> 8));
}

static void drain(struct side *s, bool peek)
{
	for (int rounds = 0; s->tls && rounds < 64; rounds++) {
		uint8_t buf[1500];
		const void *p = NULL;
		long n;
		if (peek) {
			n = (long)tls_peek(s->tls, &p);
			/* The view may hold more than buf: check a bufful
			 * and consume that much. */
			if (n > (long)sizeof buf)
				n = (long)sizeof buf;
			if (n == 0)
				n = tls_recv(s->tls, buf, sizeof buf);
			else
				memcpy(buf, p, (size_t)n);
		} else {
			n = tls_recv(s->tls, buf, sizeof buf);
		}
		if (n == -KILN_EAGAIN)
			return;
		if (n <= 0) {
			s->ended = true;
			return;
		}
		for (long i = 0; i < n; i++)
			if (buf[i] != pattern(s->other, s->got + (uint64_t)i)) {
				fprintf(stderr, "%s: byte %llu differs\n",
				        s->name,
				        (unsigned long long)(s->got + i));
				abort();
			}
		if (peek && p)
			tls_consume(s->tls, (size_t)n);
		s->got += (uint64_t)n;
		if (s->got > s->other->sent)
			abort();
	}
}

static void on_event(struct tls_conn *c, unsigned events, void *arg)
{
	struct side *s = arg;
	(void)c;
	if (events & TCP_EV_READABLE)
		drain(s, s->name[0] == 's');
	if ((events & TCP_EV_CLOSED) && s->tls && !s->ended)
		drain(s, false);
}

static void send_app(struct side *s, size_t n)
{
	if (!s->tls)
		return;
	uint8_t buf[4096];
	if (n > sizeof buf)
		n = sizeof buf;
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern(s, s->sent + i);
	long w = tls_send(s->tls, buf, n);
	if (w > 0) {
		if ((size_t)w > n)
			abort();
		s->sent += (uint64_t)w;
	}
}

static void check_heap(struct side *s)
{
	if (!s->tls)
		return;
	struct tls_info info;
	tls_get_info(s->tls, &info);
	if (info.heap > TLS_CONN_HEAP_MAX || info.heap_peak > TLS_CONN_HEAP_MAX)
		abort();
	if (tls_handshake_done(s->tls) && !tampered) {
		if (!info.version || (strcmp(info.version, "TLSv1.3") != 0 &&
		                      strcmp(info.version, "TLSv1.2") != 0))
			abort();
		if (!info.alpn || strcmp(info.alpn, "http/1.1") != 0)
			abort();
	}
}

static void end_side(struct side *s, bool abort_it)
{
	if (!s->tls)
		return;
	if (abort_it)
		tls_abort(s->tls);
	else
		tls_close(s->tls);
	s->tls = NULL;
}

/* ------------------------------------------------------- the input */

static struct tls_config *server_cfg, *client_cfg;

static void setup(void)
{
	if (server_cfg)
		return;
	int err;
	server_cfg = tls_server_config(cert_pem, sizeof cert_pem - 1, key_pem,
	                               sizeof key_pem - 1, &err);
	client_cfg = tls_client_config(cert_pem, sizeof cert_pem - 1, &err);
	if (!server_cfg || !client_cfg)
		abort();
}

static void raw_client(const uint8_t *data, size_t size)
{
	struct side srv = {.name = "server"};
	struct side cli = {.name = "client"};
	srv.other = &cli;
	cli.other = &srv;
	conn_init(&srv.tcp, &cli.tcp);
	conn_init(&cli.tcp, &srv.tcp);
	cli.tcp.gone = true; /* nobody reads what the server sends */
	srv.tls = tls_server(server_cfg, &srv.tcp);
	if (!srv.tls)
		abort();
	tls_on_event(srv.tls, on_event, &srv);
	size_t i = 0;
	while (i < size && srv.tls) {
		size_t n = data[i++];
		if (n > size - i)
			n = size - i;
		if (n > PIPE_MAX - cli.tcp.tx_len)
			break;
		memcpy(cli.tcp.tx + cli.tcp.tx_len, data + i, n);
		cli.tcp.tx_len += n;
		i += n;
		deliver(&cli.tcp, n);
		srv.tcp.tx_len = 0; /* what the server said is dropped */
		drain(&srv, (n & 1) != 0);
		check_heap(&srv);
		if (srv.ended)
			end_side(&srv, true);
		now_ns += 1000000;
	}
	cli.tcp.fin_out = true;
	deliver(&cli.tcp, 0);
	drain(&srv, false);
	end_side(&srv, false);
	conn_fini(&srv.tcp);
	conn_fini(&cli.tcp);
}

static void pair(const uint8_t *data, size_t size)
{
	struct side srv = {.name = "server"};
	struct side cli = {.name = "client"};
	srv.other = &cli;
	cli.other = &srv;
	conn_init(&srv.tcp, &cli.tcp);
	conn_init(&cli.tcp, &srv.tcp);
	tampered = cut = false;
	srv.tls = tls_server(server_cfg, &srv.tcp);
	cli.tls = tls_client(client_cfg, &cli.tcp, "localhost");
	if (!srv.tls || !cli.tls)
		abort();
	tls_on_event(srv.tls, on_event, &srv);
	tls_on_event(cli.tls, on_event, &cli);
	size_t i = 0;
	while (i + 1 < size && (srv.tls || cli.tls)) {
		uint8_t op = data[i++], arg = data[i++];
		struct side *s = op & 8 ? &srv : &cli;
		switch (op & 7) {
		case 0: /* deliver some of s's bytes */
		case 1:
			deliver(&s->tcp, (size_t)arg * 64 + 1);
			break;
		case 2: /* s's send room */
			s->tcp.room = (size_t)arg * 256 + 64;
			if (s->tcp.room < s->tcp.tx_len)
				s->tcp.room = s->tcp.tx_len;
			fire(&s->tcp, TCP_EV_WRITABLE);
			break;
		case 3: /* flip a byte of s's in flight */
			if (s->tcp.tx_len > 0) {
				s->tcp.tx[(size_t)arg * 7 % s->tcp.tx_len] ^=
				        (uint8_t)(op | 1);
				tampered = true;
			}
			break;
		case 4: /* application bytes from s */
		case 5:
			send_app(s, (size_t)arg * 16 + 1);
			break;
		case 6: /* s reads */
			drain(s, (arg & 1) != 0);
			break;
		case 7: /* s ends */
			if (arg < 16 && s->tls) {
				tls_shutdown(s->tls);
			} else if (arg < 32 && s->tls) {
				end_side(s, arg & 1);
				cut = true;
			}
			break;
		}
		check_heap(&srv);
		check_heap(&cli);
		if (srv.ended && srv.tls && !tls_handshake_done(srv.tls)) {
			end_side(&srv, true);
			cut = true;
		}
		if (cli.ended && cli.tls && !tls_handshake_done(cli.tls)) {
			end_side(&cli, true);
			cut = true;
		}
		now_ns += 1000000;
	}
	/* Let what is in flight arrive, then check the counts. */
	for (int r = 0; r < 8; r++) {
		deliver(&cli.tcp, PIPE_MAX);
		deliver(&srv.tcp, PIPE_MAX);
	}
	drain(&srv, false);
	drain(&cli, false);
	/* Untouched, every byte sent arrived (a shutdown comes after). */
	if (!tampered && !cut && cli.tls && srv.tls &&
	    tls_handshake_done(cli.tls) && tls_handshake_done(srv.tls) &&
	    (srv.got != cli.sent || cli.got != srv.sent)) {
		fprintf(stderr,
		        "lost bytes: server got %llu of %llu, client "
		        "got %llu of %llu\n",
		        (unsigned long long)srv.got,
		        (unsigned long long)cli.sent,
		        (unsigned long long)cli.got,
		        (unsigned long long)srv.sent);
		abort();
	}
	end_side(&srv, false);
	end_side(&cli, false);
	conn_fini(&srv.tcp);
	conn_fini(&cli.tcp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	rng_state = 0x6b696c6e; /* each run the same sequence */
	setup();
	if (data[0] & 1)
		pair(data + 1, size - 1);
	else
		raw_client(data + 1, size - 1);
	return 0;
}
