/*
 * fuzz_filter.c - libFuzzer harness for host/usernet_filter.h, the rules
 * for what a guest may send into user-mode networking.
 *
 * Each input is a run of records: a byte choosing the direction (even:
 * libslirp to the guest, noted; odd: guest to libslirp, judged), a byte
 * of length, then that many frame bytes. One filter lives through the
 * whole input, so noted flows can be answered. Besides not crashing, an
 * allowed IPv4 frame must be addressed to the gateway (or be DHCP
 * broadcast), and must never be a TCP connection request; a frame that
 * gets a reset built must not have been allowed.
 */
#include "../host/usernet_filter.h"

#include <stdlib.h>

#define GATEWAY 0xC6120001u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usernet_filter f;
	usernet_filter_init(&f, GATEWAY);
	int64_t now = 1;
	size_t i = 0;
	while (i + 2 <= size) {
		uint8_t dir = data[i], len = data[i + 1];
		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		/* A copy of exactly len bytes, so ASan sees any overread. */
		uint8_t *frame = malloc(len ? len : 1);
		if (frame == NULL)
			return 0;
		for (size_t k = 0; k < len; k++)
			frame[k] = data[i + k];
		i += len;
		now += (int64_t)(dir >> 1) * 1000000000;
		uint8_t reset[USERNET_RESET_LEN];
		bool allowed = false;
		if ((dir & 1) == 0)
			usernet_filter_note(&f, frame, len, now);
		else
			allowed = usernet_filter_allows(&f, frame, len, now);
		/* Only a refused connection request is answered. */
		if (usernet_filter_reset(frame, len, reset) && allowed)
			abort();
		if (allowed && len >= 34 && frame[12] == 0x08 &&
		    frame[13] == 0) {
			size_t ihl = (size_t)(frame[14] & 15) * 4;
			uint32_t dst = be32(frame + 30);
			if (dst != GATEWAY && dst != 0xffffffffu)
				abort();
			if (frame[23] == 6 && 14 + ihl + 14 <= len &&
			    (frame[14 + ihl + 13] & 0x12) == 0x02)
				abort();
		}
		free(frame);
	}
	return 0;
}
