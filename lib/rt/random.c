/*
 * random.c - the one CSPRNG of the image (kiln_random): TLS, TCP initial
 * sequence numbers and secrets, DHCP transaction ids and IP ids all draw
 * from it.
 *
 * ChaCha20 (RFC 8439's block function) run as a fast-key-erasure
 * generator: each refill computes a batch of keystream under the current
 * key, the first 32 bytes of it become the next key at once and the rest
 * is handed out and wiped as it goes, so a memory dump never reveals
 * output already given. The first key is 32 bytes of platform_entropy(),
 * with the clocks and their jitter folded in; the generator re-keys from
 * platform_entropy() again after every RESEED_BYTES of output. On a target
 * without a source only the clocks remain: kiln_random_strong() tells, and
 * kiln_random_require() refuses to go on (TLS calls it at start-up).
 */
#include <kiln/platform.h>
#include <kiln/rt.h>
#include <string.h>

#define BLOCKS 8 /* 512 bytes of keystream per refill */
#define RESEED_BYTES (1u << 20)

static struct {
	uint32_t key[8];
	uint8_t buf[64 * BLOCKS];
	size_t left;  /* unread bytes at the end of buf */
	size_t since; /* bytes given since the last re-key from the source */
	bool seeded, strong;
	enum platform_result source; /* the source's answer at seeding */
} rng;

#define ROTL32(x, b) (uint32_t)(((x) << (b)) | ((x) >> (32 - (b))))
#define QR(a, b, c, d)                                                         \
	do {                                                                   \
		a += b;                                                        \
		d = ROTL32(d ^ a, 16);                                         \
		c += d;                                                        \
		b = ROTL32(b ^ c, 12);                                         \
		a += b;                                                        \
		d = ROTL32(d ^ a, 8);                                          \
		c += d;                                                        \
		b = ROTL32(b ^ c, 7);                                          \
	} while (0)

static uint32_t load32_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void store32_le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void kiln_chacha20_block(const uint32_t key[8], uint32_t counter,
                         const uint32_t nonce[3], uint8_t out[64])
{
	uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	memcpy(in + 4, key, 32);
	in[12] = counter;
	memcpy(in + 13, nonce, 12);
	uint32_t x[16];
	memcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		store32_le(out + 4 * i, x[i] + in[i]);
}

/* A new batch of keystream; its first 32 bytes replace the key. */
static void refill(void)
{
	static const uint32_t nonce[3] = {0, 0, 0};
	for (uint32_t i = 0; i < BLOCKS; i++)
		kiln_chacha20_block(rng.key, i, nonce, rng.buf + 64 * i);
	for (int i = 0; i < 8; i++)
		rng.key[i] = load32_le(rng.buf + 4 * i);
	memset(rng.buf, 0, 32);
	rng.left = sizeof(rng.buf) - 32;
}

/* XOR len (at most 32) bytes into the key. */
static void mix(const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len && i < 32; i++)
		rng.key[i / 4] ^= (uint32_t)p[i] << (8 * (i % 4));
}

static void reseed_from_source(void)
{
	uint8_t e[32];
	enum platform_result r = platform_entropy(e, sizeof(e));
	if (r == PLATFORM_OK)
		mix(e, sizeof(e));
	memset(e, 0, sizeof(e));
	rng.since = 0;
	rng.left = 0; /* the next bytes come from the new key */
	if (!rng.seeded) {
		rng.source = r;
		rng.strong = r == PLATFORM_OK;
	}
}

static void seed(void)
{
	/* The clocks and the jitter between many clock reads: all there
	 * is without a source, harmless with one. */
	uint64_t c[4] = {(uint64_t)kiln_wall(), (uint64_t)kiln_now(), 0, 0};
	kiln_time prev = kiln_now();
	for (int i = 0; i < 256; i++) {
		kiln_time t = kiln_now();
		c[2] = (c[2] << 5 | c[2] >> 59) ^ (uint64_t)(t - prev);
		prev = t;
	}
	mix(c, sizeof(c));
	refill(); /* spreads the clocks over the whole key */
	reseed_from_source();
	rng.seeded = true;
}

void kiln_random(void *out, size_t len)
{
	if (!rng.seeded)
		seed();
	uint8_t *p = out;
	while (len > 0) {
		if (rng.since >= RESEED_BYTES)
			reseed_from_source();
		if (rng.left == 0)
			refill();
		size_t n = len < rng.left ? len : rng.left;
		uint8_t *from = rng.buf + sizeof(rng.buf) - rng.left;
		memcpy(p, from, n);
		memset(from, 0, n);
		rng.left -= n;
		rng.since += n;
		p += n;
		len -= n;
	}
}

uint32_t kiln_random32(void)
{
	uint32_t v;
	kiln_random(&v, sizeof(v));
	return v;
}

uint64_t kiln_random64(void)
{
	uint64_t v;
	kiln_random(&v, sizeof(v));
	return v;
}

bool kiln_random_strong(void)
{
	if (!rng.seeded)
		seed();
	return rng.strong;
}

enum platform_result kiln_random_source(void)
{
	if (!rng.seeded)
		seed();
	return rng.source;
}
