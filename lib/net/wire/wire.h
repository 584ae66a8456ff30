/*
 * lib/net/wire/wire.h - what every wire parser and emitter shares.
 *
 * Parsers read outside data through a bounds-checked view and return
 * WIRE_OK or a negative wire_status saying what was wrong; they never read
 * past the view and never do I/O. Emitters write into a caller's buffer of
 * a given size and return the number of bytes written, or 0 if it does not
 * fit. Multi-byte fields in the parsed structs are in host byte order.
 */
#ifndef KILN_NET_WIRE_WIRE_H
#define KILN_NET_WIRE_WIRE_H

#include <kiln/view.h>
#include <stddef.h>
#include <stdint.h>

enum wire_status {
	WIRE_OK = 0,
	WIRE_TRUNCATED = -1,   /* shorter than its headers say */
	WIRE_MALFORMED = -2,   /* a field has an impossible value */
	WIRE_CHECKSUM = -3,    /* the checksum does not match */
	WIRE_UNSUPPORTED = -4, /* well-formed, but not something we speak */
};

/* A short English name for a wire_status. */
const char *wire_strerror(int status);

/* Store big-endian values into a buffer the caller has sized. */
static inline void wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

#endif /* KILN_NET_WIRE_WIRE_H */
