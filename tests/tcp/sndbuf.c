/*
 * tests/tcp/sndbuf.c - the send buffer (lib/net/tcp_buf.c) against a
 * model: random mixes of copied bytes (tcp_snd_append) and lent ones
 * (tcp_snd_append_ref), acknowledged in random amounts (tcp_snd_drop);
 * after each step every byte the chunks name (tcp_snd_chunks, at random
 * offsets and lengths) must be the model's, within TCP_SEG_CHUNKS chunks,
 * and the ring must hold exactly the copied bytes not yet acknowledged.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE (256u << 10)

/* The stream the buffer should hold: model[0 .. len) from snd_una. */
static uint8_t model[SIZE];
static uint32_t model_len;
/* Lendable bytes (they outlive the buffer). */
static uint8_t lendable[1u << 20];

static uint32_t rnd(uint32_t n)
{
	return n ? h_rand() % n : 0;
}

static void check_chunks(struct tcp_conn *c, uint32_t off, uint32_t len)
{
	struct net_chunk ch[TCP_SEG_CHUNKS + 4];
	memset(ch, 0, sizeof ch);
	unsigned n = tcp_snd_chunks(c, off, len, ch);
	CHECK(n <= TCP_SEG_CHUNKS);
	uint32_t at = off;
	for (unsigned i = 0; i < n; i++) {
		CHECK(ch[i].len > 0);
		CHECK(at + ch[i].len <= off + len);
		CHECK(memcmp(ch[i].data, model + at, ch[i].len) == 0);
		at += (uint32_t)ch[i].len;
	}
	CHECK(at == off + len);
}

static void test_model(void)
{
	struct tcp_conn c;
	memset(&c, 0, sizeof c);
	c.snd.size = SIZE;
	for (size_t i = 0; i < sizeof lendable; i++)
		lendable[i] = (uint8_t)(h_rand() >> 7);
	uint64_t copied_in = 0, lent_in = 0;
	uint32_t ring_expect = 0; /* copied bytes not yet dropped */
	/* For each byte of the model, whether it was copied. */
	static bool copied[SIZE];
	for (int step = 0; step < 20000; step++) {
		uint32_t op = rnd(10);
		if (op < 4) {
			uint32_t n = 1 + rnd(op < 2 ? 3000 : 70000);
			uint8_t tmp[70001];
			for (uint32_t i = 0; i < n; i++)
				tmp[i] = (uint8_t)h_rand();
			uint32_t k = tcp_snd_append(&c, tmp, n);
			CHECK(k <= n && model_len + k <= SIZE);
			memcpy(model + model_len, tmp, k);
			for (uint32_t i = 0; i < k; i++)
				copied[model_len + i] = true;
			model_len += k;
			ring_expect += k;
			copied_in += k;
		} else if (op < 7) {
			uint32_t n = 1 + rnd(op == 4 ? 500 : 60000);
			uint32_t at = rnd(sizeof lendable - n);
			uint32_t k = tcp_snd_append_ref(&c, lendable + at, n);
			CHECK(k <= n && model_len + k <= SIZE);
			memcpy(model + model_len, lendable + at, k);
			for (uint32_t i = 0; i < k; i++)
				copied[model_len + i] = false;
			model_len += k;
			lent_in += k;
			/* A piece right after the last lent one joins its
			 * run. */
			if (k && rnd(2) && model_len < SIZE) {
				unsigned runs = c.snd.n_refs;
				uint32_t m = 1 + rnd(4000);
				if (at + k + m <= sizeof lendable) {
					uint32_t k2 = tcp_snd_append_ref(
					        &c, lendable + at + k, m);
					if (k2)
						CHECK(c.snd.n_refs == runs);
					memcpy(model + model_len,
					       lendable + at + k, k2);
					for (uint32_t i = 0; i < k2; i++)
						copied[model_len + i] = false;
					model_len += k2;
					lent_in += k2;
				}
			}
		} else if (model_len) {
			uint32_t n = op == 9 ? model_len : rnd(model_len + 1);
			tcp_snd_drop(&c, n);
			for (uint32_t i = 0; i < n; i++)
				if (copied[i])
					ring_expect--;
			memmove(model, model + n, model_len - n);
			memmove(copied, copied + n, model_len - n);
			model_len -= n;
		}
		CHECK(c.snd.len == model_len);
		CHECK(c.snd.ring_len == ring_expect);
		CHECK(c.snd.n_refs <= TCP_SNDREF_MAX);
		/* No ring memory while the ring holds nothing. */
		CHECK(ring_expect || (!c.snd.buf && c.snd.cap == 0));
		check_chunks(&c, 0, model_len);
		for (int k = 0; k < 4 && model_len; k++) {
			uint32_t off = rnd(model_len);
			check_chunks(&c, off, rnd(model_len - off + 1));
		}
		if (h_failed)
			return;
	}
	fprintf(stderr, "  %llu bytes copied, %llu lent\n",
	        (unsigned long long)copied_in, (unsigned long long)lent_in);
	CHECK(copied_in > 0 && lent_in > 0);
	tcp_bufs_release(&c);
	CHECK(!c.snd.buf && c.snd.len == 0 && c.snd.n_refs == 0);
}

/* With every reference slot taken, a further lent piece is refused (the
 * socket call then copies it), and slots come back as runs are
 * acknowledged. */
static void test_ref_slots(void)
{
	struct tcp_conn c;
	memset(&c, 0, sizeof c);
	c.snd.size = SIZE;
	for (unsigned i = 0; i < TCP_SNDREF_MAX; i++) {
		CHECK(tcp_snd_append_ref(&c, lendable + 2000 * i, 1000) ==
		      1000);
		CHECK(tcp_snd_append(&c, "x", 1) == 1);
	}
	CHECK(c.snd.n_refs == TCP_SNDREF_MAX);
	CHECK(tcp_snd_append_ref(&c, lendable + 50000, 10) == 0);
	tcp_snd_drop(&c, 1001);
	CHECK(c.snd.n_refs == TCP_SNDREF_MAX - 1 && c.snd.ring_len == 7);
	CHECK(tcp_snd_append_ref(&c, lendable + 50000, 10) == 10);
	/* A partly acknowledged run keeps the rest of its bytes. */
	tcp_snd_drop(&c, 500);
	CHECK(c.snd.refs[0].len == 500 && c.snd.refs[0].at == 0);
	CHECK(c.snd.refs[0].p == lendable + 2000 + 500);
	tcp_bufs_release(&c);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
        {"model", test_model},
        {"ref_slots", test_ref_slots},
};

int main(int argc, char **argv)
{
	int failed = 0;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && strcmp(argv[1], tests[i].name))
			continue;
		h_failed = 0;
		tests[i].fn();
		if (h_failed) {
			printf("FAIL: tcp sndbuf %s: check failed (see "
			       "stderr)\n",
			       tests[i].name);
			failed++;
		} else {
			printf("PASS: tcp sndbuf %s\n", tests[i].name);
		}
	}
	return failed ? 1 : 0;
}
