/*
 * lib/net/tcp_isn.c - secrets for TCP: initial sequence numbers per
 * RFC 6528, random numbers (ephemeral ports, timestamp offsets) and the
 * keyed hash of the connection table.
 *
 * The ISNs and the table hash derive from one 128-bit SipHash-2-4 key
 * drawn from lib/rt's CSPRNG (kiln_random, seeded from platform_entropy);
 * random numbers come from that generator directly.
 */
#include "tcp_impl.h"

#include <string.h>

static uint64_t key0, key1;
static bool keyed;

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

static uint64_t load64_le(const uint8_t *p)
{
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

/* SipHash-2-4 of data under (k0, k1). */
static uint64_t siphash(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)len << 56;
	size_t left = len;

	while (left >= 8) {
		uint64_t m = load64_le(p);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
		p += 8;
		left -= 8;
	}
	for (size_t i = 0; i < left; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static void seed(void)
{
	key0 = kiln_random64();
	key1 = kiln_random64();
	keyed = true;
}

uint64_t tcp_keyed_hash(const void *data, size_t len)
{
	if (!keyed)
		seed();
	return siphash(key0, key1, data, len);
}

uint32_t tcp_isn(net_ipv4 laddr, uint16_t lport, net_ipv4 raddr, uint16_t rport)
{
	uint8_t t[13];
	memcpy(t, &laddr, 4);
	memcpy(t + 4, &raddr, 4);
	memcpy(t + 8, &lport, 2);
	memcpy(t + 10, &rport, 2);
	t[12] = 'I'; /* keeps this use apart from the table hash */
	/* RFC 6528: ISN = M + F(4-tuple, key), M a 4-microsecond clock. */
	uint32_t m = (uint32_t)(kiln_now() / 4000);
	return m + (uint32_t)tcp_keyed_hash(t, sizeof(t));
}

uint32_t tcp_random32(void)
{
	return kiln_random32();
}

#define EPHEMERAL_LOW 49152u
#define EPHEMERAL_COUNT 16384u

uint16_t tcp_ephemeral_port(void)
{
	/* A random starting point, then the first free port after it. */
	uint32_t start = tcp_random32() % EPHEMERAL_COUNT;
	for (uint32_t i = 0; i < EPHEMERAL_COUNT; i++) {
		uint16_t port = (uint16_t)(EPHEMERAL_LOW +
		                           (start + i) % EPHEMERAL_COUNT);
		if (!tcp_port_in_use(port))
			return port;
	}
	return 0;
}
