/*
 * kiln/tls.h - TLS streams over lib/net's TCP connections (lib/tls, on
 * wolfSSL built from Debian's source package: docs/tls.md).
 *
 * TLS 1.3 and 1.2 only, with ECDHE (X25519, P-256) and AES-GCM or
 * ChaCha20-Poly1305; ALPN; session resumption by tickets (stateless on
 * the server: the ticket key is drawn from kiln_random at start).
 *
 * A tls_conn takes over a tcp_conn and offers the same non-blocking calls
 * as TCP's (tcp_peek/consume, tcp_recv/send, send space, events, shutdown,
 * close, abort), so code written against TCP's event interface (lib/http's
 * connections) runs over TLS unchanged. The handshake runs inside those
 * calls and the connection's TCP events; the owner's callback hears of
 * nothing before it is done. A failed handshake is one log line (WARN,
 * subsystem "tls") and the connection reports TLS_EV_CLOSED: tls_recv
 * returns -KILN_EPROTO and the owner aborts it.
 *
 * Memory: each connection's heap (wolfSSL's objects and buffers, this
 * library's) is counted and capped at the configuration's heap_max
 * (TLS_CONN_HEAP_MAX by default); an allocation beyond it fails, which
 * fails that connection's handshake or record, not the image.
 */
#ifndef KILN_TLS_H
#define KILN_TLS_H

#include <kiln/net.h>
#include <kiln/rt.h>

/* The heap one connection may hold at most (see docs/tls.md for what a
 * full and a resumed handshake take). */
#define TLS_CONN_HEAP_MAX (64u * 1024)

struct tls_config;
struct tls_conn;

/* A server: its certificate chain (PEM, leaf first) and private key (PEM,
 * EC or RSA). The buffers are copied. NULL with *err set (-KILN_EINVAL:
 * the PEM did not load; -KILN_ENOMEM). Ends the image (kiln_random_require)
 * when lib/rt's generator has no entropy source. */
struct tls_config *tls_server_config(const void *cert_pem, size_t cert_len,
                                     const void *key_pem, size_t key_len,
                                     int *err);
/* A client trusting the CAs in ca_pem (the server's chain is verified,
 * and its name if tls_client is given one). */
struct tls_config *tls_client_config(const void *ca_pem, size_t ca_len,
                                     int *err);
/* The server configuration of the credentials built into the image
 * (kiln build --tls: the table kiln_tls_credentials, /cert.pem and
 * /key.pem, never served), made on the first call; NULL when the image
 * has none. A credential that does not load ends the image (status 1)
 * with a line saying so: an HTTPS server must not start without it. */
struct tls_config *tls_image_config(void);
/* Limit each connection of cfg to heap_max bytes (at least 16 KiB). */
void tls_config_heap_max(struct tls_config *cfg, size_t heap_max);

/* Take over t: a server side (tls_server) or a client side sending its
 * ClientHello now (tls_client; server_name for SNI and the certificate's
 * name check, or NULL). NULL without memory: t is still the caller's. */
struct tls_conn *tls_server(struct tls_config *cfg, struct tcp_conn *t);
struct tls_conn *tls_client(struct tls_config *cfg, struct tcp_conn *t,
                            const char *server_name);

/* As tcp_peek/tcp_consume: decrypted bytes, valid until the next call. */
size_t tls_peek(struct tls_conn *c, const void **data);
void tls_consume(struct tls_conn *c, size_t n);
/* As tcp_recv/tcp_send: a count, 0 at the end of the stream (the peer's
 * close_notify or FIN), -KILN_EAGAIN (the handshake is not done, or no
 * record is complete / no room), or a negated kiln_error (-KILN_EPROTO:
 * the handshake or a record failed). */
long tls_recv(struct tls_conn *c, void *buf, size_t len);
long tls_send(struct tls_conn *c, const void *buf, size_t len);
/* Application bytes tls_send would take now, and bytes (records)
 * queued that the peer has not acknowledged. */
size_t tls_send_space(struct tls_conn *c);
size_t tls_send_queued(const struct tls_conn *c);

/* TCP's event bits (TCP_EV_READABLE, _WRITABLE, _CLOSED), after the
 * handshake. */
void tls_on_event(struct tls_conn *c,
                  void (*fn)(struct tls_conn *c, unsigned events, void *arg),
                  void *arg);

/* close_notify, then TCP's FIN after what is queued; reading still works. */
void tls_shutdown(struct tls_conn *c);
/* close_notify and a graceful TCP close; c is invalid afterwards. */
void tls_close(struct tls_conn *c);
/* Reset the TCP connection and free c. */
void tls_abort(struct tls_conn *c);

struct tcp_conn *tls_tcp(const struct tls_conn *c);
bool tls_handshake_done(const struct tls_conn *c);

/* What the handshake agreed (valid once it is done): "TLSv1.3", ...; the
 * suite's IANA-style name; the ALPN protocol (NULL if none); whether the
 * session was resumed; the heap c holds now and held at most. */
struct tls_info {
	const char *version;
	const char *cipher;
	const char *alpn;
	bool resumed;
	size_t heap, heap_peak;
};
void tls_get_info(struct tls_conn *c, struct tls_info *info);

/* Counters over all connections. */
struct tls_stats {
	uint64_t handshakes, resumed, failed, no_memory;
	uint64_t heap_peak; /* the most one connection held */
};
void tls_get_stats(struct tls_stats *st);

#endif
