/*
 * A bare hvt guest on net0: it sends an ARP request for the user-mode
 * network's gateway (198.18.0.1), waits in the yield hypercall for the
 * reply and prints "arp reply from 198.18.0.1", then keeps serving its
 * device (yield, read and drop frames) for the number of milliseconds in
 * the boot arguments, and exits 0. Exits 1 if no reply comes within 2 s.
 */
#include "hvt_abi.h"

#include <stddef.h>

static void call(unsigned nr, const void *arg)
{
	__asm__ volatile("outl %0, %w1"
	                 :
	                 : "a"((uint32_t)(uintptr_t)arg),
	                   "Nd"((uint16_t)(HVT_PORT_BASE + nr))
	                 : "memory");
}

static void say(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	struct hvt_console c = {(uintptr_t)s, n};
	call(HVT_CALL_CONSOLE, &c);
}

static void leave(uint64_t status)
{
	struct hvt_exit e = {status};
	call(HVT_CALL_EXIT, &e);
	for (;;)
		;
}

static const struct hvt_boot_info *boot;
static uint64_t tsc0;

static int64_t now_ns(void)
{
	uint64_t t = __builtin_ia32_rdtsc() - tsc0;
	return (int64_t)(((unsigned __int128)t * boot->tsc_mult) >> 32);
}

static uint8_t frame[1600];

/* Read and look at every pending frame; true if one was our ARP reply. */
static int drain(uint32_t handle)
{
	int got = 0;
	for (;;) {
		struct hvt_frame f = {(uintptr_t)frame, sizeof(frame), 0};
		struct hvt_net_batch b = {handle, 1, (uintptr_t)&f, 0, 0};
		call(HVT_CALL_NET_READ, &b);
		if (b.result != HVT_OK || b.done == 0)
			return got;
		/* ARP (0x0806), opcode 2, sender IP 198.18.0.1 */
		if (f.len >= 42 && frame[12] == 0x08 && frame[13] == 0x06 &&
		    frame[21] == 2 && frame[28] == 198 && frame[29] == 18 &&
		    frame[30] == 0 && frame[31] == 1)
			got = 1;
	}
}

void _start(const struct hvt_boot_info *bi)
{
	boot = bi;
	tsc0 = __builtin_ia32_rdtsc();
	int64_t linger_ms = 0;
	for (const char *p = bi->cmdline; *p >= '0' && *p <= '9'; p++)
		linger_ms = linger_ms * 10 + (*p - '0');

	struct hvt_net_acquire a = {0};
	a.name = (uintptr_t) "net0";
	call(HVT_CALL_NET_ACQUIRE, &a);
	if (a.result != HVT_OK) {
		say("no net0\n");
		leave(1);
	}
	static uint8_t arp[42] = {
	        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* broadcast */
	        0,    0,    0,    0,    0,    0,    /* our MAC */
	        0x08, 0x06,                         /* ARP */
	        0,    1,    0x08, 0,    6,    4,
	        0,    1,                         /* Ethernet/IPv4 request */
	        0,    0,    0,    0,    0,    0, /* sender MAC */
	        198,  18,   0,    15,            /* sender IP */
	        0,    0,    0,    0,    0,    0, /* target MAC */
	        198,  18,   0,    1,             /* target IP */
	};
	for (int i = 0; i < 6; i++)
		arp[6 + i] = arp[22 + i] = a.mac[i];
	/* The request goes out again every 250 ms, as a real ARP client's
	 * would: a frame sent while a fresh tap comes up may be lost. */
	int64_t end = now_ns() + 2000000000, resend = 0;
	int got = 0;
	while (!got && now_ns() < end) {
		if (now_ns() >= resend) {
			struct hvt_frame f = {(uintptr_t)arp, sizeof(arp),
			                      sizeof(arp)};
			struct hvt_net_batch b = {a.handle, 1, (uintptr_t)&f, 0,
			                          0};
			call(HVT_CALL_NET_WRITE, &b);
			if (b.result != HVT_OK || b.done != 1) {
				say("send failed\n");
				leave(1);
			}
			resend = now_ns() + 250000000;
		}
		int64_t wait = (resend < end ? resend : end) - now_ns();
		struct hvt_yield y = {wait, 0};
		call(HVT_CALL_YIELD, &y);
		if (y.ready & (1ull << a.handle))
			got = drain(a.handle);
	}
	if (!got) {
		say("no arp reply\n");
		leave(1);
	}
	say("arp reply from 198.18.0.1\n");
	end = now_ns() + linger_ms * 1000000;
	while (now_ns() < end) {
		struct hvt_yield y = {end - now_ns(), 0};
		call(HVT_CALL_YIELD, &y);
		if (y.ready & (1ull << a.handle))
			drain(a.handle);
	}
	leave(0);
}
