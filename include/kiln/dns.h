/*
 * kiln/dns.h - DNS: the wire format (RFC 1035), zones in the master-file
 * format and an authoritative server.
 *
 * Three layers, each usable alone:
 * - names and messages on bounds-checked views (wire.c, name.c): reading
 *   follows compression pointers only backwards, so loops cannot exist;
 *   writing compresses names against those already in the message;
 * - zones (zone.c): a master file (RFC 1035 section 5) parsed into
 *   records, with errors as "FILE:LINE: message";
 * - the answer engine (answer.c): one query in, one response out, no I/O;
 *   and the server (server.c) that feeds it from UDP and TCP sockets.
 * Everything but server.c is portable C that also builds on the host (the
 * zone checker bin/kiln-zone, the tests, the fuzz harnesses).
 */
#ifndef KILN_DNS_H
#define KILN_DNS_H

#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_IXFR = 251,
	DNS_T_AXFR = 252,
	DNS_T_ANY = 255,
	DNS_T_CAA = 257,
};

#define DNS_CLASS_IN 1
#define DNS_CLASS_ANY 255

enum dns_rcode {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16, /* extended: needs an OPT record */
};

/* Header flag bits (the second 16-bit word of the header). */
#define DNS_F_QR 0x8000
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_F_AD 0x0020
#define DNS_F_CD 0x0010

#define DNS_NAME_MAX 255 /* wire octets, the root label included */
#define DNS_LABEL_MAX 63
#define DNS_HEADER_LEN 12

/* Why a message or name was refused. */
enum dns_err {
	DNS_OK = 0,
	DNS_E_TRUNC = -1,   /* ran past the end of the message */
	DNS_E_LABEL = -2,   /* label type 0x40/0x80, or a label over 63 */
	DNS_E_NAMELEN = -3, /* name over 255 octets */
	DNS_E_POINTER = -4, /* pointer not strictly backwards */
	DNS_E_FORMAT = -5,  /* any other malformation */
	DNS_E_NOSPACE = -6, /* writer: the buffer is full */
};

/* A domain name in uncompressed wire form: labels, each a length octet
 * and its bytes, ending with the zero-length root label. */
struct dns_name {
	uint8_t len;     /* octets in wire, the final 0 included (1..255) */
	uint8_t nlabels; /* labels, the root excluded */
	uint8_t wire[DNS_NAME_MAX];
};

/*
 * Read a possibly compressed name at cur (advanced past it) inside the
 * whole message msg. A pointer must point strictly before the label that
 * holds it, so at most 255 / 2 jumps can happen and none loops.
 */
int dns_name_read(const struct kiln_view *msg, struct kiln_view *cur,
                  struct dns_name *out);
/* Compare names ignoring ASCII case. */
bool dns_name_equal(const struct dns_name *a, const struct dns_name *b);
/* true when name is sub or below it (ignoring case). */
bool dns_name_is_below(const struct dns_name *name, const struct dns_name *sub);
void dns_name_lower(struct dns_name *n);
/* The name without its first n labels. */
void dns_name_strip(const struct dns_name *n, unsigned labels,
                    struct dns_name *out);
/* Format as text ("www.example.com."), escaping as the master format does;
 * returns the length written (buf NUL-terminated; cap >= 1). */
size_t dns_name_format(const struct dns_name *n, char *buf, size_t cap);

/* The fixed header. */
struct dns_header {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
};
int dns_header_read(struct kiln_view *v, struct dns_header *h);

/*
 * A message being written. Names go through dns_writer_name, which
 * points at the longest suffix already in the message (case-insensitive,
 * so the first spelling, the query's, wins). Writes past cap set
 * overflow and are dropped; dns_writer_mark/rollback undo a partly
 * written record set.
 */
#define DNS_WRITER_NAMES 96
struct dns_writer {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
	unsigned nnames;
	uint16_t names[DNS_WRITER_NAMES]; /* offsets of labels written */
};
struct dns_writer_mark {
	size_t len;
	unsigned nnames;
};
void dns_writer_init(struct dns_writer *w, uint8_t *buf, size_t cap);
void dns_writer_u8(struct dns_writer *w, uint8_t x);
void dns_writer_u16(struct dns_writer *w, uint16_t x);
void dns_writer_u32(struct dns_writer *w, uint32_t x);
void dns_writer_bytes(struct dns_writer *w, const void *p, size_t n);
void dns_writer_name(struct dns_writer *w, const struct dns_name *n,
                     bool compress);
void dns_writer_put_u16(struct dns_writer *w, size_t at, uint16_t x);
struct dns_writer_mark dns_writer_mark(const struct dns_writer *w);
void dns_writer_rollback(struct dns_writer *w, struct dns_writer_mark m);

/* ------------------------------------------------------------------ zones */

struct dns_zone;

/*
 * Parse a master file (RFC 1035 section 5: $ORIGIN, $TTL, @, relative
 * names, parentheses, quoted strings, comments; TTLs with s/m/h/d/w
 * units) whose origin is `origin` ("example.com" or "example.com.")
 * unless the file sets $ORIGIN first. Types: SOA NS A AAAA CNAME MX TXT
 * SRV PTR CAA. The zone must have one SOA at its apex and NS records
 * there; every name must be at or below the apex; a CNAME stands alone.
 * On a mistake returns NULL and writes "FILE:LINE: message" to err.
 * Memory: one allocation per name and per record.
 */
struct dns_zone *dns_zone_parse(const char *file, const char *origin,
                                const char *text, size_t len, char *err,
                                size_t errlen);
void dns_zone_free(struct dns_zone *z);
const struct dns_name *dns_zone_apex(const struct dns_zone *z);
size_t dns_zone_records(const struct dns_zone *z);

/* ----------------------------------------------------------- the answers */

/* The zones a server is authoritative for, and its policy. */
#define DNS_MAX_ZONES 16
#define DNS_MAX_AXFR_CLIENTS 8
struct dns_catalog {
	struct dns_zone *zones[DNS_MAX_ZONES];
	unsigned nzones;
	/* UDP payload this server offers with EDNS (RFC 6891); 1232 */
	uint16_t edns_size;
	/* IPv4 addresses (host order) allowed to transfer zones; none by
	 * default, so AXFR is REFUSED. */
	uint32_t axfr_allow[DNS_MAX_AXFR_CLIENTS];
	unsigned naxfr_allow;
};

/* What the answer engine saw, for the app's counters. */
struct dns_stats {
	uint64_t queries, udp, tcp;
	uint64_t dropped; /* not answered: not a query, or unreadable */
	uint64_t formerr, refused, notimp, nxdomain, nodata, referrals;
	uint64_t truncated, edns, badvers, axfr, any;
	uint64_t tcp_conns, tcp_timeouts;
	/* Kept by dns_cache_answer (after the counters above, which a hit
	 * moves as the answer it replays did). */
	uint64_t cache_hits, cache_misses;
};

void dns_catalog_init(struct dns_catalog *c);
/* Add a zone (the catalog owns it then); -DNS_E_FORMAT when full or a
 * zone with the same apex is there. */
int dns_catalog_add(struct dns_catalog *c, struct dns_zone *z);

enum dns_transport { DNS_UDP, DNS_TCP };

/*
 * Answer the query (len bytes) from a client at IPv4 address `client`
 * into out (cap bytes: 65535 for TCP, at least 512). Over UDP the
 * response fits the client's size (512, or its EDNS size up to
 * edns_size); what does not fit sets TC. Returns the response length, or
 * 0 when the message must be dropped (a response, or too short to carry
 * an id).
 */
size_t dns_answer(const struct dns_catalog *c, const uint8_t *query, size_t len,
                  uint8_t *out, size_t cap, enum dns_transport transport,
                  uint32_t client, struct dns_stats *st);

/*
 * A zone transfer (RFC 5936) for an allowed client over TCP: calls
 * emit(msg, len, arg) for each message (SOA first and last). Returns
 * false when the query is not an allowed AXFR (dns_answer refuses it).
 */
bool dns_axfr(const struct dns_catalog *c, const uint8_t *query, size_t len,
              uint32_t client, bool (*emit)(const uint8_t *, size_t, void *),
              void *arg, struct dns_stats *st);

/*
 * An answer cache (lib/dns/cache.c): dns_answer's responses memoised by
 * the query's bytes after its id (the name in its letter case, type,
 * class, flags, EDNS size and options), the transport and cap, and
 * replayed with the query's id; a hit moves the counters the answer
 * moved. The zones must not change while it is used. dns_cache_new takes
 * a byte budget (slots of 256 bytes: larger queries and responses are
 * not kept) and returns NULL when it cannot be had.
 */
struct dns_cache;
struct dns_cache *dns_cache_new(size_t bytes);
void dns_cache_free(struct dns_cache *k);
/* dns_answer through the cache (k NULL: straight through). */
size_t dns_cache_answer(struct dns_cache *k, const struct dns_catalog *c,
                        const uint8_t *query, size_t len, uint8_t *out,
                        size_t cap, enum dns_transport transport,
                        uint32_t client, struct dns_stats *st);

/* ------------------------------------------------------------- the server */

/*
 * Serve the catalog on UDP and TCP port `port` of the interface (which
 * must be up: net_start). Spawns a UDP fiber and a TCP accept fiber; each
 * TCP connection gets a fiber that answers pipelined queries in order
 * and closes after idle_timeout without a query or at max_tcp
 * connections. Returns 0 or a negated kiln_error.
 */
struct dns_server_config {
	uint16_t port;
	unsigned max_tcp;      /* 64 */
	uint64_t idle_timeout; /* nanoseconds, 10 s */
	size_t cache_bytes;    /* the answer cache's budget; 0: none */
};
int dns_serve(const struct dns_catalog *c, const struct dns_server_config *cfg,
              struct dns_stats *st);

#endif /* KILN_DNS_H */
