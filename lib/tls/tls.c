/*
 * lib/tls/tls.c - TLS streams over TCP connections on wolfSSL (see
 * include/kiln/tls.h).
 *
 * wolfSSL does the protocol; its I/O callbacks move records straight
 * between it and TCP's rings. Sending never blocks wolfSSL: tls_send
 * hands it only as many bytes as TCP's send ring takes as records (each
 * record's overhead counted), so its output goes into the ring whole;
 * what TCP cannot take at once (a handshake flight larger than the ring's
 * room, an alert) waits in a small buffer of the connection's, bounded,
 * and is written out on TCP's next event. Received plaintext is read out
 * of wolfSSL into a buffer of TLS_IN_CHUNK bytes for tls_peek, allocated
 * while it holds bytes only, so an idle connection holds wolfSSL's
 * object and no buffer.
 */
#include "wolfssl_unit.h"

#include "tls_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/settings.h>

/* Decrypted bytes read out of wolfSSL at a time for tls_peek. */
#define TLS_IN_CHUNK 4096
/* Records TCP could not take at once (handshake flights, alerts). */
#define TLS_OUT_MAX (32u * 1024)
/* The most a record adds to its plaintext: header 5, TLS 1.2 GCM's
 * explicit nonce 8, tag 16 (TLS 1.3: 5 + content type 1 + tag 16). */
#define TLS_RECORD_OVERHEAD 32
#define TLS_RECORD_MAX 16384

static const char suites[] =
        "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"
        "TLS13-CHACHA20-POLY1305-SHA256:"
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static const char alpn_http11[] = "http/1.1";

struct tls_config {
	WOLFSSL_CTX *ctx;
	bool server;
	size_t heap_max;
};

struct tls_conn {
	struct tls_config *cfg;
	struct tcp_conn *tcp;
	WOLFSSL *ssl;
	struct tls_budget *budget;
	void (*fn)(struct tls_conn *c, unsigned events, void *arg);
	void *arg;
	bool done;     /* handshake finished */
	bool failed;   /* handshake or a record failed: only abort is left */
	bool eof;      /* close_notify or FIN received */
	bool io_error; /* TCP failed under wolfSSL */
	bool shut;     /* close_notify sent */
	bool counted;  /* the handshake was counted in the stats */
	/* Plaintext for tls_peek. */
	uint8_t *in;
	size_t in_off, in_len;
	/* Records TCP has not taken yet. */
	uint8_t *out;
	size_t out_len;
};

static struct tls_stats stats;
static bool initialized;

/* ------------------------------------------------------- accounting */

/* wolfSSL's allocations for c go to its budget while it runs for c. */
static struct tls_budget *enter(struct tls_conn *c)
{
	struct tls_budget *prev = tls_current_budget;
	tls_current_budget = c->budget;
	return prev;
}

static void leave(struct tls_conn *c, struct tls_budget *prev)
{
	tls_current_budget = prev;
	if (c->budget->peak > stats.heap_peak)
		stats.heap_peak = c->budget->peak;
	if (c->budget->refused) {
		stats.no_memory += c->budget->refused;
		c->budget->refused = 0;
	}
}

/* --------------------------------------------------------------- I/O */

static int flush_out(struct tls_conn *c)
{
	while (c->out_len > 0) {
		long w = tcp_send(c->tcp, c->out, c->out_len);
		if (w == -KILN_EAGAIN)
			return 0;
		if (w < 0) {
			c->io_error = true;
			return (int)w;
		}
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
	if (c->out) {
		kiln_tls_free(c->out);
		c->out = NULL;
	}
	return 1;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct tls_conn *c = ctx;
	(void)ssl;
	size_t n = (size_t)sz, done = 0;
	if (c->out_len == 0) {
		long w = tcp_send(c->tcp, buf, n);
		if (w < 0 && w != -KILN_EAGAIN) {
			c->io_error = true;
			return WOLFSSL_CBIO_ERR_CONN_CLOSE;
		}
		if (w > 0)
			done = (size_t)w;
	}
	if (done < n) {
		size_t rest = n - done;
		if (c->out_len + rest > TLS_OUT_MAX)
			return WOLFSSL_CBIO_ERR_GENERAL;
		if (!c->out) {
			c->out = kiln_tls_malloc(TLS_OUT_MAX);
			if (!c->out)
				return WOLFSSL_CBIO_ERR_GENERAL;
		}
		memcpy(c->out + c->out_len, buf + done, rest);
		c->out_len += rest;
	}
	return sz;
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct tls_conn *c = ctx;
	(void)ssl;
	long n = tcp_recv(c->tcp, buf, (size_t)sz);
	if (n > 0)
		return (int)n;
	if (n == 0)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	if (n == -KILN_EAGAIN)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	c->io_error = true;
	return WOLFSSL_CBIO_ERR_CONN_RST;
}

/* --------------------------------------------------------- handshake */

static void fail(struct tls_conn *c, const char *what, int err)
{
	if (c->failed)
		return;
	c->failed = true;
	if (!c->done)
		stats.failed++;
	net_ipv4 addr;
	uint16_t port;
	tcp_peer(c->tcp, &addr, &port);
	char a[16];
	KILN_WARN("tls", "%s with %s:%u failed: %s (wolfSSL error %d)%s", what,
	          net_ipv4_format(addr, a), (unsigned)port,
	          c->io_error ? "the TCP connection failed"
	          : err == MEMORY_E || c->budget->used >= c->budget->cap
	                  ? "the connection's heap bound"
	                  : "refused",
	          err, c->budget->refused ? " (heap bound reached)" : "");
}

/* Go on with the handshake. true once it is done. */
static bool handshake(struct tls_conn *c)
{
	if (c->done)
		return true;
	if (c->failed)
		return false;
	struct tls_budget *prev = enter(c);
	int r = c->cfg->server ? wolfSSL_accept(c->ssl)
	                       : wolfSSL_connect(c->ssl);
	int err = r == WOLFSSL_SUCCESS ? 0 : wolfSSL_get_error(c->ssl, r);
	leave(c, prev);
	if (r == WOLFSSL_SUCCESS) {
		c->done = true;
		stats.handshakes++;
		if (wolfSSL_session_reused(c->ssl))
			stats.resumed++;
		return true;
	}
	if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE)
		return false;
	if (err == WOLFSSL_ERROR_ZERO_RETURN || err == SOCKET_PEER_CLOSED_E)
		c->eof = true;
	fail(c, "handshake", err);
	return false;
}

/* ------------------------------------------------------------ events */

static void on_tcp_event(struct tcp_conn *t, unsigned events, void *arg)
{
	struct tls_conn *c = arg;
	(void)t;
	if (flush_out(c) < 0 && !c->failed)
		fail(c, c->done ? "send" : "handshake", 0);
	if (!c->done && !c->failed) {
		if (!handshake(c)) {
			if (!c->failed && !(events & TCP_EV_CLOSED))
				return; /* nothing for the owner yet */
			if (!c->failed)
				fail(c, "handshake", SOCKET_PEER_CLOSED_E);
		}
		events |= TCP_EV_READABLE | TCP_EV_WRITABLE;
	}
	if (c->failed)
		events |= TCP_EV_CLOSED;
	if (c->fn)
		c->fn(c, events, c->arg);
}

void tls_on_event(struct tls_conn *c,
                  void (*fn)(struct tls_conn *c, unsigned events, void *arg),
                  void *arg)
{
	c->fn = fn;
	c->arg = arg;
}

/* ------------------------------------------------------ configuration */

static void init_once(void)
{
	if (initialized)
		return;
	kiln_random_require("tls");
	wolfSSL_Init();
	initialized = true;
}

static struct tls_config *config_new(bool server, int *err)
{
	init_once();
	struct tls_config *cfg = calloc(1, sizeof *cfg);
	if (!cfg) {
		*err = -KILN_ENOMEM;
		return NULL;
	}
	cfg->server = server;
	cfg->heap_max = TLS_CONN_HEAP_MAX;
	cfg->ctx = wolfSSL_CTX_new(server ? wolfSSLv23_server_method()
	                                  : wolfSSLv23_client_method());
	if (!cfg->ctx) {
		free(cfg);
		*err = -KILN_ENOMEM;
		return NULL;
	}
	WOLFSSL_CTX *ctx = cfg->ctx;
	if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) !=
	            WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_cipher_list(ctx, suites) != WOLFSSL_SUCCESS) {
		wolfSSL_CTX_free(ctx);
		free(cfg);
		*err = -KILN_EINVAL;
		return NULL;
	}
	wolfSSL_CTX_SetIORecv(ctx, io_recv);
	wolfSSL_CTX_SetIOSend(ctx, io_send);
	*err = 0;
	return cfg;
}

struct tls_config *tls_server_config(const void *cert_pem, size_t cert_len,
                                     const void *key_pem, size_t key_len,
                                     int *err)
{
	struct tls_config *cfg = config_new(true, err);
	if (!cfg)
		return NULL;
	WOLFSSL_CTX *ctx = cfg->ctx;
	if (wolfSSL_CTX_use_certificate_chain_buffer_format(
	            ctx, cert_pem, (long)cert_len, WOLFSSL_FILETYPE_PEM) !=
	            WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_buffer(ctx, key_pem, (long)key_len,
	                                      WOLFSSL_FILETYPE_PEM) !=
	            WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS) {
		wolfSSL_CTX_free(ctx);
		free(cfg);
		*err = -KILN_EINVAL;
		return NULL;
	}
	return cfg;
}

struct tls_config *tls_client_config(const void *ca_pem, size_t ca_len,
                                     int *err)
{
	struct tls_config *cfg = config_new(false, err);
	if (!cfg)
		return NULL;
	if (wolfSSL_CTX_load_verify_buffer(cfg->ctx, ca_pem, (long)ca_len,
	                                   WOLFSSL_FILETYPE_PEM) !=
	    WOLFSSL_SUCCESS) {
		wolfSSL_CTX_free(cfg->ctx);
		free(cfg);
		*err = -KILN_EINVAL;
		return NULL;
	}
	wolfSSL_CTX_set_verify(cfg->ctx, WOLFSSL_VERIFY_PEER, NULL);
	return cfg;
}

void tls_config_heap_max(struct tls_config *cfg, size_t heap_max)
{
	cfg->heap_max = heap_max < 16384 ? 16384 : heap_max;
}

/* -------------------------------------------------------- connections */

static void conn_free(struct tls_conn *c)
{
	struct tls_budget *prev = enter(c);
	if (c->ssl)
		wolfSSL_free(c->ssl);
	kiln_tls_free(c->in);
	kiln_tls_free(c->out);
	tls_current_budget = prev;
	if (c->budget->used == 0)
		free(c->budget);
	else
		c->budget->orphan = true;
	free(c);
}

static struct tls_conn *conn_new(struct tls_config *cfg, struct tcp_conn *t,
                                 const char *server_name)
{
	struct tls_conn *c = calloc(1, sizeof *c);
	struct tls_budget *b = calloc(1, sizeof *b);
	if (!c || !b) {
		free(c);
		free(b);
		stats.no_memory++;
		return NULL;
	}
	b->cap = cfg->heap_max;
	c->budget = b;
	c->cfg = cfg;
	c->tcp = t;
	struct tls_budget *prev = enter(c);
	c->ssl = wolfSSL_new(cfg->ctx);
	bool ok = c->ssl != NULL;
	if (ok) {
		wolfSSL_SetIOReadCtx(c->ssl, c);
		wolfSSL_SetIOWriteCtx(c->ssl, c);
		ok = wolfSSL_UseALPN(c->ssl, (char *)alpn_http11,
		                     sizeof alpn_http11 - 1,
		                     WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) ==
		     WOLFSSL_SUCCESS;
	}
	if (ok && !cfg->server) {
		ok = wolfSSL_UseSessionTicket(c->ssl) == WOLFSSL_SUCCESS;
		if (ok && server_name)
			ok = wolfSSL_UseSNI(
			             c->ssl, WOLFSSL_SNI_HOST_NAME, server_name,
			             (unsigned short)strlen(server_name)) ==
			             WOLFSSL_SUCCESS &&
			     wolfSSL_check_domain_name(c->ssl, server_name) ==
			             WOLFSSL_SUCCESS;
	}
	leave(c, prev);
	if (!ok) {
		stats.no_memory++;
		c->tcp = NULL;
		conn_free(c);
		return NULL;
	}
	tcp_on_event(t, on_tcp_event, c);
	return c;
}

struct tls_conn *tls_server(struct tls_config *cfg, struct tcp_conn *t)
{
	struct tls_conn *c = conn_new(cfg, t, NULL);
	if (c)
		handshake(c); /* the ClientHello may be there already */
	return c;
}

struct tls_conn *tls_client(struct tls_config *cfg, struct tcp_conn *t,
                            const char *server_name)
{
	struct tls_conn *c = conn_new(cfg, t, server_name);
	if (c)
		handshake(c); /* sends the ClientHello */
	return c;
}

struct tcp_conn *tls_tcp(const struct tls_conn *c)
{
	return c->tcp;
}

bool tls_handshake_done(const struct tls_conn *c)
{
	return c->done;
}

/* ------------------------------------------------------------ reading */

/* Read up to len decrypted bytes into buf (see tls_recv). */
static long read_records(struct tls_conn *c, void *buf, size_t len)
{
	if (c->failed)
		return c->eof && c->done ? 0 : -KILN_EPROTO;
	if (!handshake(c))
		return c->failed ? (c->eof && c->done ? 0 : -KILN_EPROTO)
		                 : -KILN_EAGAIN;
	if (c->eof)
		return 0;
	if (len > TLS_RECORD_MAX)
		len = TLS_RECORD_MAX;
	struct tls_budget *prev = enter(c);
	int r = wolfSSL_read(c->ssl, buf, (int)len);
	int err = r > 0 ? 0 : wolfSSL_get_error(c->ssl, r);
	leave(c, prev);
	if (r > 0)
		return r;
	if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE)
		return -KILN_EAGAIN;
	if (err == WOLFSSL_ERROR_ZERO_RETURN || err == SOCKET_PEER_CLOSED_E) {
		c->eof = true; /* close_notify, or a FIN between records */
		return 0;
	}
	fail(c, "record", err);
	return -KILN_EPROTO;
}

size_t tls_peek(struct tls_conn *c, const void **data)
{
	if (c->in_len > 0) {
		*data = c->in + c->in_off;
		return c->in_len;
	}
	if (!c->in) {
		struct tls_budget *prev = enter(c);
		c->in = kiln_tls_malloc(TLS_IN_CHUNK);
		leave(c, prev);
		if (!c->in)
			return 0;
	}
	long n = read_records(c, c->in, TLS_IN_CHUNK);
	if (n <= 0) {
		kiln_tls_free(c->in);
		c->in = NULL;
		return 0;
	}
	c->in_off = 0;
	c->in_len = (size_t)n;
	*data = c->in;
	return c->in_len;
}

void tls_consume(struct tls_conn *c, size_t n)
{
	if (n > c->in_len)
		n = c->in_len;
	c->in_off += n;
	c->in_len -= n;
	if (c->in_len == 0) {
		kiln_tls_free(c->in);
		c->in = NULL;
		c->in_off = 0;
	}
}

long tls_recv(struct tls_conn *c, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (c->in_len > 0) {
		size_t n = len < c->in_len ? len : c->in_len;
		memcpy(buf, c->in + c->in_off, n);
		tls_consume(c, n);
		return (long)n;
	}
	return read_records(c, buf, len);
}

/* ------------------------------------------------------------ sending */

size_t tls_send_space(struct tls_conn *c)
{
	if (!c->done || c->failed || c->out_len > 0)
		return 0;
	size_t room = tcp_send_space(c->tcp);
	size_t records = room / (TLS_RECORD_MAX + TLS_RECORD_OVERHEAD) + 1;
	size_t cost = records * TLS_RECORD_OVERHEAD;
	return room > cost ? room - cost : 0;
}

size_t tls_send_queued(const struct tls_conn *c)
{
	return tcp_send_queued(c->tcp) + c->out_len;
}

long tls_send(struct tls_conn *c, const void *buf, size_t len)
{
	if (c->failed)
		return c->io_error ? -KILN_ECONNRESET : -KILN_EPROTO;
	if (c->shut)
		return -KILN_EPIPE;
	if (!handshake(c))
		return c->failed ? -KILN_EPROTO : -KILN_EAGAIN;
	int f = flush_out(c);
	if (f < 0)
		return f;
	if (f == 0)
		return -KILN_EAGAIN;
	size_t n = tls_send_space(c);
	if (n == 0) {
		/* As tcp_send: nothing queued means no acknowledgment will
		 * come to make room. */
		return tcp_send_queued(c->tcp) > 0 ? -KILN_EAGAIN
		                                   : -KILN_ENOMEM;
	}
	if (n > len)
		n = len;
	if (n > (size_t)1 << 30)
		n = (size_t)1 << 30;
	struct tls_budget *prev = enter(c);
	int r = wolfSSL_write(c->ssl, buf, (int)n);
	int err = r > 0 ? 0 : wolfSSL_get_error(c->ssl, r);
	leave(c, prev);
	if (r > 0)
		return r;
	fail(c, "send", err);
	return c->io_error ? -KILN_ECONNRESET : -KILN_EPROTO;
}

/* -------------------------------------------------------------- ends */

static void send_close_notify(struct tls_conn *c)
{
	if (c->shut || !c->done || c->failed)
		return;
	c->shut = true;
	struct tls_budget *prev = enter(c);
	wolfSSL_shutdown(c->ssl);
	leave(c, prev);
	flush_out(c);
}

void tls_shutdown(struct tls_conn *c)
{
	send_close_notify(c);
	tcp_shutdown(c->tcp);
}

void tls_close(struct tls_conn *c)
{
	send_close_notify(c);
	/* What TCP would not take is lost; only an alert can be there
	 * (tls_send waits for room for whole records). */
	tcp_close(c->tcp);
	conn_free(c);
}

void tls_abort(struct tls_conn *c)
{
	tcp_abort(c->tcp);
	conn_free(c);
}

/* ------------------------------------------------------------- info */

void tls_get_info(struct tls_conn *c, struct tls_info *info)
{
	memset(info, 0, sizeof *info);
	info->heap = c->budget->used;
	info->heap_peak = c->budget->peak;
	if (!c->done)
		return;
	info->version = wolfSSL_get_version(c->ssl);
	info->cipher = wolfSSL_get_cipher_name(c->ssl);
	char *proto = NULL;
	unsigned short plen = 0;
	if (wolfSSL_ALPN_GetProtocol(c->ssl, &proto, &plen) ==
	            WOLFSSL_SUCCESS &&
	    plen == sizeof alpn_http11 - 1 &&
	    memcmp(proto, alpn_http11, plen) == 0)
		info->alpn = alpn_http11;
	info->resumed = wolfSSL_session_reused(c->ssl) != 0;
}

void tls_get_stats(struct tls_stats *st)
{
	*st = stats;
}
