/*
 * A bare hvt guest on a tap, whose frame area kiln-hvt's I/O thread
 * serves (HVT_NET_F_SERVED), that breaks its rings while the thread
 * runs and the guest itself never exits again. Its boot argument:
 *   ok N       send N numbered frames (tests/hvt/frames.py's: EtherType
 *              0x88b5, "KILN", sequence) one at a time, each taken by
 *              the thread while the guest spins on the consumer index
 *              (a flush exit only when the thread said it sleeps), then
 *              exit 0
 *   tx-ahead   after 20 good frames, a transmit producer index far past
 *              the ring's size
 *   tx-long    after 20 good frames, a record longer than a frame may be
 *   rx-ahead   a receive consumer index ahead of what was produced;
 *              prints "ready", frames from the host must then arrive
 *   scribble   random bytes over the transmit ring's records and random
 *              producer indices, as fast as it can
 *   spin       nothing but spinning (to be killed)
 * In the broken cases the guest spins forever: the monitor must report a
 * fault naming the ring and exit 255 (stopping the running vCPU).
 * Exit 3: the area is not served; 4: frames were not taken within 5 s.
 */
#include "hvt_abi.h"

static void call(unsigned nr, const void *arg)
{
	__asm__ volatile("outl %0, %w1"
	                 :
	                 : "a"((uint32_t)(uintptr_t)arg),
	                   "Nd"((uint16_t)(HVT_PORT_BASE + nr))
	                 : "memory");
}

static _Noreturn void guest_exit(uint64_t status)
{
	struct hvt_exit e = {status};
	call(HVT_CALL_EXIT, &e);
	__builtin_trap();
}

static void say(const char *s)
{
	struct hvt_console c = {(uintptr_t)s, 0};
	while (s[c.len])
		c.len++;
	call(HVT_CALL_CONSOLE, &c);
}

static int is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b || (*b == 0 && *a == ' ');
}

static struct hvt_net_area area;
static uint32_t prod, a_handle;

static uint64_t rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

static void put(uint32_t pos, uint32_t len, uint32_t seq)
{
	struct hvt_net_rec r = {.len = len};
	unsigned char *p = area.tx.data + pos;
	for (unsigned k = 0; k < sizeof(r); k++)
		p[k] = ((const unsigned char *)&r)[k];
	static const unsigned char head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                     0x02, 0,    0,    0,    0,    2,
	                                     0x88, 0xb5, 'K',  'I',  'L',  'N'};
	for (unsigned k = 0; k < 60 && pos + 16 + k < HVT_NET_RING_SIZE; k++)
		p[16 + k] = k < sizeof(head) ? head[k]
		            : k < 22 ? (unsigned char)(seq >> (8 * (k - 18)))
		                     : 0;
}

/* Send one good frame and wait (spinning, no exit) until the monitor took
 * it; 0 when it did not within 5 s. */
static int send_one(uint32_t seq, uint64_t tsc_hz)
{
	uint32_t skip = 0;
	if (!hvt_net_ring_room(prod, area.tx.cons, 60, &skip))
		return 0;
	if (skip) {
		struct hvt_net_rec w = {.len = HVT_NET_REC_WRAP};
		unsigned char *p = area.tx.data + prod % HVT_NET_RING_SIZE;
		for (unsigned k = 0; k < sizeof(w); k++)
			p[k] = ((const unsigned char *)&w)[k];
		prod += skip;
	}
	put(prod % HVT_NET_RING_SIZE, 60, seq);
	prod += HVT_NET_REC_SPACE(60);
	__atomic_store_n(&area.tx.prod, prod, __ATOMIC_RELEASE);
	/* The rule of served rings: a thread that went to sleep is woken
	 * by an exit. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&area.tx.idle, __ATOMIC_SEQ_CST)) {
		struct hvt_net_flush f = {a_handle, 0};
		call(HVT_CALL_NET_FLUSH, &f);
	}
	uint64_t end = rdtsc() + 5 * tsc_hz;
	while (__atomic_load_n(&area.tx.cons, __ATOMIC_ACQUIRE) != prod)
		if (rdtsc() > end)
			return 0;
	return 1;
}

static _Noreturn void spin(void)
{
	for (;;)
		__builtin_ia32_pause();
}

void _start(const struct hvt_boot_info *bi)
{
	const char *what = bi->cmdline;
	struct hvt_net_acquire a = {0};
	a.name = (uintptr_t) "net0";
	a.area = (uintptr_t)&area;
	call(HVT_CALL_NET_ACQUIRE, &a);
	if (a.result != HVT_OK)
		guest_exit(1);
	if (!(a.features & HVT_NET_F_SERVED))
		guest_exit(3);
	a_handle = a.handle;
	uint32_t n = 20;
	if (is(what, "ok")) {
		n = 0;
		for (const char *p = what + 3; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint32_t)(*p - '0');
	}
	if (is(what, "spin"))
		spin();
	if (!is(what, "rx-ahead") && !is(what, "scribble"))
		for (uint32_t i = 0; i < n; i++)
			if (!send_one(i, bi->tsc_hz))
				guest_exit(4);
	if (is(what, "ok")) {
		guest_exit(0);
	} else if (is(what, "tx-ahead")) {
		__atomic_store_n(&area.tx.prod, prod + 0x7fff0000u,
		                 __ATOMIC_RELEASE);
	} else if (is(what, "tx-long")) {
		put(prod % HVT_NET_RING_SIZE, 100000, 0);
		__atomic_store_n(&area.tx.prod,
		                 prod + HVT_NET_REC_SPACE(100000),
		                 __ATOMIC_RELEASE);
	} else if (is(what, "rx-ahead")) {
		__atomic_store_n(&area.rx.cons, 4096, __ATOMIC_RELEASE);
		say("ready\n");
	} else if (is(what, "scribble")) {
		uint64_t x = rdtsc() | 1;
		for (;;) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			uint32_t pos = (uint32_t)x % HVT_NET_RING_SIZE;
			area.tx.data[pos] = (unsigned char)(x >> 32);
			if ((x >> 40) % 64 == 0) {
				/* Mostly plausible indices: records of any
				 * kind, then one wild one at last. */
				uint32_t step = (uint32_t)(x >> 48) % 4096 * 16;
				prod += step;
				__atomic_store_n(&area.tx.prod, prod,
				                 __ATOMIC_RELEASE);
			}
		}
	} else {
		guest_exit(2);
	}
	spin();
}
