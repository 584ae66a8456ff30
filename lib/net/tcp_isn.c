/*
 * lib/net/tcp_isn.c - secrets for TCP: initial sequence numbers per
 * RFC 6528, random numbers (ephemeral ports, timestamp offsets) and the
 * keyed hash of the connection table.
 *
 * Everything derives from one 128-bit key through SipHash-2-4. The key is
 * seeded from the platform's entropy source (platform_entropy: the host's
 * getrandom, RDSEED/RDRAND, RNDR or a board's generator, whatever the
 * target has). The wall clock, the monotonic clock and the jitter between
 * many successive monotonic readings are always mixed in too, and are all
 * there is on a target without a source; on a host whose clocks are
 * predictable that fallback is weaker than it should be.
 */
#include "tcp_impl.h"

#include <kiln/platform.h>
#include <string.h>

static uint64_t key0, key1;
static bool keyed;
static uint64_t random_counter;

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
	uint64_t pool[8] = {0};
	pool[0] = (uint64_t)kiln_wall();
	pool[1] = (uint64_t)kiln_now();
	pool[2] = (uint64_t)(uintptr_t)&pool; /* stack placement */
	/* The low bits of the time between successive clock reads vary with
	 * cache, interrupt and host scheduling noise. */
	kiln_time prev = kiln_now();
	for (int i = 0; i < 256; i++) {
		kiln_time t = kiln_now();
		pool[3] = ROTL(pool[3], 5) ^ (uint64_t)(t - prev);
		prev = t;
	}
	/* Without a source these words stay zero and the clocks above are
	 * all the key gets. */
	if (platform_entropy(pool + 4, 4 * sizeof(pool[0])) != PLATFORM_OK)
		memset(pool + 4, 0, 4 * sizeof(pool[0]));
	key0 = siphash(0x0123456789abcdefULL, pool[1], pool, sizeof(pool));
	key1 = siphash(pool[0], 0xfedcba9876543210ULL, pool, sizeof(pool));
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
	uint8_t t[9];
	uint64_t n = ++random_counter;
	memcpy(t, &n, 8);
	t[8] = 'R';
	return (uint32_t)tcp_keyed_hash(t, sizeof(t));
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
