/*
 * lib/net/wire/tcp.h - the TCP header and its options on the wire
 * (RFC 9293 section 3.1, RFC 7323, RFC 2018): parse from a bounds-checked
 * view, emit into a buffer.
 *
 * Option policy: NOP and EOL are honoured, unknown kinds with a sane
 * length are skipped, and a known option with the wrong length, a length
 * below 2 or running past the header makes the whole segment malformed
 * (the caller drops and counts it). A SYN-only option (MSS, window scale,
 * SACK-permitted) is parsed wherever it appears; the state machine only
 * looks at it on a SYN.
 */
#ifndef KILN_NET_WIRE_TCP_H
#define KILN_NET_WIRE_TCP_H

#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define TCP_HDR_MIN 20 /* header without options */
#define TCP_OPT_SPACE 40
#define TCP_HDR_MAX (TCP_HDR_MIN + TCP_OPT_SPACE)

/* Option kinds. */
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WSCALE 3
#define TCP_OPT_SACK_PERM 4
#define TCP_OPT_SACK 5
#define TCP_OPT_TS 8

#define TCP_WSCALE_MAX 14 /* RFC 7323 2.3: larger shifts are clamped */
#define TCP_SACK_BLOCKS_MAX 4

struct tcp_sack_block {
	uint32_t start, end; /* [start, end) in sequence space */
};

struct tcp_options {
	bool has_mss, has_wscale, sack_permitted, has_ts;
	uint16_t mss;
	uint8_t wscale; /* already clamped to TCP_WSCALE_MAX */
	uint32_t ts_val, ts_ecr;
	unsigned n_sack;
	struct tcp_sack_block sack[TCP_SACK_BLOCKS_MAX];
};

struct tcp_header {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hdr_len; /* data offset in bytes (20..60) */
	uint8_t flags;
	uint16_t window;
	uint16_t checksum;
	uint16_t urgent;
	struct tcp_options opt;
};

enum tcp_parse_result {
	TCP_PARSE_OK = 0,
	TCP_PARSE_TRUNCATED,  /* shorter than the fixed header */
	TCP_PARSE_BAD_OFFSET, /* data offset below 5 or past the segment */
	TCP_PARSE_BAD_OPTION  /* malformed option list */
};

/*
 * Parse the header and options of the segment in v. On success *payload
 * is a view of the data after the header. The checksum is not verified
 * here (see tcp_checksum_ok).
 */
enum tcp_parse_result tcp_parse(struct kiln_view v, struct tcp_header *h,
                                struct kiln_view *payload);

/* Parse just an option list (the bytes between the fixed header and the
 * data). Returns false if it is malformed. */
bool tcp_parse_options(struct kiln_view v, struct tcp_options *o);

/*
 * Write h (ports, seq, ack, flags, window, urgent and the options set in
 * h->opt) into buf, options padded with NOPs to a multiple of 4, checksum
 * zero. Returns the header length, or 0 if it does not fit in size or the
 * options exceed 40 bytes. h->hdr_len and h->checksum are ignored.
 */
size_t tcp_emit(uint8_t *buf, size_t size, const struct tcp_header *h);

/* The option bytes tcp_emit would write for o (a multiple of 4). */
size_t tcp_options_len(const struct tcp_options *o);

/* The checksum of a segment whose header (checksum field zero) is hdr and
 * whose data is the pieces data[0..n-1], between IPv4 addresses src and
 * dst (host order). Store the result big-endian at offset 16. */
struct net_chunk;
uint16_t tcp_checksum(uint32_t src, uint32_t dst, const void *hdr,
                      size_t hdr_len, const struct net_chunk *data, unsigned n);

/* True if the checksum over the whole received segment is right. */
bool tcp_checksum_ok(uint32_t src, uint32_t dst, const void *seg, size_t len);

#endif /* KILN_NET_WIRE_TCP_H */
