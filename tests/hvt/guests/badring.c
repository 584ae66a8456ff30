/*
 * A bare hvt guest that breaks its frame rings (hvt_abi.h, struct
 * hvt_net_area) as its boot argument says, then yields:
 *   tx-ahead   transmit producer index far past the ring's size
 *   tx-align   transmit producer index not a multiple of 16
 *   tx-zero    a record of 0 bytes
 *   tx-long    a record longer than a frame may be
 *   tx-over    a record running past the producer index
 *   tx-wrap    a wrap record that skips past the producer index
 *   rx-ahead   receive consumer index ahead of what was produced
 *   rx-align   receive consumer index not a multiple of 16
 * kiln-hvt must end each with a fault report naming the ring and exit
 * 255. With "ok" the rings are used by the rules and the guest exits 0.
 * Run with --net user (or a tap) as net0.
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

static int is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static struct hvt_net_area area;

static void put_rec(uint32_t pos, uint32_t len)
{
	struct hvt_net_rec r = {.len = len};
	unsigned char *p = area.tx.data + pos;
	for (unsigned k = 0; k < sizeof(r); k++)
		p[k] = ((const unsigned char *)&r)[k];
	/* A broadcast frame of an experimental EtherType. */
	for (unsigned k = 0; k < 60 && pos + 16 + k < HVT_NET_RING_SIZE; k++)
		p[16 + k] = k < 6 ? 0xff : k == 12 ? 0x88 : k == 13 ? 0xb5 : 0;
}

void _start(const struct hvt_boot_info *bi)
{
	const char *what = bi->cmdline;
	struct hvt_net_acquire a = {0};
	a.name = (uintptr_t) "net0";
	a.area = (uintptr_t)&area;
	call(HVT_CALL_NET_ACQUIRE, &a);
	struct hvt_exit e = {a.result == HVT_OK ? 0 : 1};
	if (a.result != HVT_OK) {
		call(HVT_CALL_EXIT, &e);
		__builtin_trap();
	}
	if (is(what, "ok")) {
		put_rec(0, 60);
		area.tx.prod = HVT_NET_REC_SPACE(60);
	} else if (is(what, "tx-ahead")) {
		area.tx.prod = 0x7fff0000u;
	} else if (is(what, "tx-align")) {
		area.tx.prod = 8;
	} else if (is(what, "tx-zero")) {
		put_rec(0, 0);
		area.tx.prod = 16;
	} else if (is(what, "tx-long")) {
		put_rec(0, 100000);
		area.tx.prod = HVT_NET_REC_SPACE(100000);
	} else if (is(what, "tx-over")) {
		put_rec(0, 1000);
		area.tx.prod = 64;
	} else if (is(what, "tx-wrap")) {
		put_rec(0, HVT_NET_REC_WRAP);
		area.tx.prod = 4096;
	} else if (is(what, "rx-ahead")) {
		area.rx.cons = 4096;
	} else if (is(what, "rx-align")) {
		area.rx.cons = 8;
	} else {
		e.status = 2;
	}
	struct hvt_yield y = {0, 0};
	call(HVT_CALL_YIELD, &y);
	if (is(what, "ok") && area.tx.cons != area.tx.prod)
		e.status = 3;
	call(HVT_CALL_EXIT, &e);
	__builtin_trap();
}
