/*
 * fuzz/tcp_options.c - the TCP header and option parser on arbitrary
 * bytes; whatever parses must re-emit and parse back to the same values.
 */
#include "../lib/net/wire/tcp.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_header h, back;
	struct kiln_view payload, p2;

	/* The option list alone. */
	struct tcp_options o;
	if (tcp_parse_options(kiln_view_make(data, size), &o)) {
		if (o.has_wscale && o.wscale > TCP_WSCALE_MAX)
			abort();
		if (o.n_sack > TCP_SACK_BLOCKS_MAX)
			abort();
	}
	/* The whole segment. */
	if (tcp_parse(kiln_view_make(data, size), &h, &payload) != TCP_PARSE_OK)
		return 0;
	if (h.hdr_len < TCP_HDR_MIN || h.hdr_len > size ||
	    payload.len != size - h.hdr_len || payload.p != data + h.hdr_len)
		abort();
	/* Emit what was understood and parse it again. */
	uint8_t buf[TCP_HDR_MAX];
	size_t n = tcp_emit(buf, sizeof(buf), &h);
	if (!n) {
		/* Only too many options for 40 bytes may fail. */
		if (tcp_options_len(&h.opt) <= TCP_OPT_SPACE)
			abort();
		return 0;
	}
	if (tcp_parse(kiln_view_make(buf, n), &back, &p2) != TCP_PARSE_OK)
		abort();
	if (back.sport != h.sport || back.dport != h.dport ||
	    back.seq != h.seq || back.ack != h.ack || back.flags != h.flags ||
	    back.window != h.window || p2.len != 0)
		abort();
	if (memcmp(&back.opt, &h.opt, sizeof(h.opt)) != 0)
		abort();
	/* The checksum helpers on the same bytes. */
	(void)tcp_checksum_ok(0x01020304, 0x05060708, data, size);
	return 0;
}
