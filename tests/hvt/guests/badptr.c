/*
 * A hostile hvt guest without the runtime: it hands every hypercall bad
 * addresses (page 0, beyond memory, wrapping lengths, read-only pages
 * for results, the supervisor's pages) and checks that each is refused.
 * It also registers frame areas (struct hvt_net_area) in bad places, asks
 * for offloads the device does not have, and queues frames with offload
 * metadata it may not use (tests/hvt/guests/badring.c breaks the rings'
 * indices, which ends a guest).
 * Prints "survived N checks" and exits 0 when all were; exits 1 otherwise.
 * Run with --block file=PATH (a file of at least 4 KiB) and --net user.
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

static void call_addr(unsigned nr, uint32_t addr)
{
	__asm__ volatile("outl %0, %w1"
	                 :
	                 : "a"(addr), "Nd"((uint16_t)(HVT_PORT_BASE + nr))
	                 : "memory");
}

static unsigned long strlen_(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	struct hvt_console c = {(uintptr_t)s, strlen_(s)};
	call(HVT_CALL_CONSOLE, &c);
}

static const struct hvt_walltime readonly_arg = {0};
static const char name_blk0[] = "blk0";
static unsigned checks, failures;
static char buf[8192] __attribute__((aligned(4096)));
static struct hvt_net_area area;

static void expect(int ok, const char *what)
{
	checks++;
	if (!ok) {
		failures++;
		say("FAILED: ");
		say(what);
		say("\n");
	}
}

void _start(const struct hvt_boot_info *bi)
{
	uint64_t mem = bi->mem_size;

	/* Argument structs outside what the guest may write. */
	uint32_t bad_args[] = {0,
	                       HVT_SUPER_DATA,
	                       HVT_BOOT_INFO,
	                       (uint32_t)(uintptr_t)&readonly_arg,
	                       (uint32_t)mem - 4,
	                       0xfffffff0u};
	for (unsigned nr = 0; nr < HVT_CALL_COUNT; nr++)
		for (unsigned i = 0; i < sizeof(bad_args) / 4; i++)
			call_addr(nr, bad_args[i]);
	expect(readonly_arg.ns == 0, "walltime wrote a read-only struct");

	/* Console buffers out of range, wrapping, or supervisor-only. */
	struct hvt_console c[] = {
	        {0, 16},
	        {mem - 8, 16},
	        {(uintptr_t)buf, UINT64_MAX},
	        {UINT64_MAX - 4, 8},
	        {HVT_SUPER_DATA, 64},
	        {HVT_GDT, 16},
	        {bi->stack_top, 8},
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		call(HVT_CALL_CONSOLE, &c[i]);

	/* Device names: NULL, unterminated at the end of memory. */
	struct hvt_net_acquire na = {0};
	na.name = 0;
	call(HVT_CALL_NET_ACQUIRE, &na);
	expect(na.result == HVT_EINVAL, "net acquire with a NULL name");
	struct hvt_block_acquire ba = {0};
	ba.name = bi->stack_top; /* the guard page above the stack */
	call(HVT_CALL_BLOCK_ACQUIRE, &ba);
	expect(ba.result == HVT_EINVAL, "block acquire, name off the end");
	ba.name = (uintptr_t) "nosuch";
	call(HVT_CALL_BLOCK_ACQUIRE, &ba);
	expect(ba.result == HVT_ENOENT, "block acquire of a missing device");

	/* Net batches: bad handle, bad frame array, too many frames. */
	struct hvt_frame fr[2] = {{0, 64, 0}, {(uintptr_t)buf, 64, 64}};
	struct hvt_net_batch nb = {0, 2, (uintptr_t)fr, 0, 0};
	call(HVT_CALL_NET_READ, &nb);
	expect(nb.result == HVT_EINVAL, "net read on no device");
	nb.frames = 0xfffff000u;
	call(HVT_CALL_NET_WRITE, &nb);
	expect(nb.result == HVT_EINVAL, "net write on no device");

	/* Frame areas: read-only, the page tables, the supervisor's data,
	 * wrapping, running off the stack into its guard page, the boot info
	 * (read-only). Each refusal
	 * leaves net0 free for the next try. */
	uint64_t bad_areas[] = {(uintptr_t)&readonly_arg, mem - sizeof(area),
	                        HVT_SUPER_DATA,           UINT64_MAX - 64,
	                        bi->stack_top - 4096,     HVT_BOOT_INFO};
	for (unsigned i = 0; i < sizeof(bad_areas) / 8; i++) {
		na = (struct hvt_net_acquire){0};
		na.name = (uintptr_t) "net0";
		na.area = bad_areas[i];
		call(HVT_CALL_NET_ACQUIRE, &na);
		expect(na.result == HVT_EINVAL, "net acquire with a bad area");
	}
	na = (struct hvt_net_acquire){0};
	na.name = (uintptr_t) "net0";
	na.area = (uintptr_t)&area;
	call(HVT_CALL_NET_ACQUIRE, &na);
	expect(na.result == HVT_OK, "net acquire with a good area");

	/* Net reads and writes on the good device with bad frame buffers:
	 * at the top of memory, in the supervisor's data, a wrapping
	 * length; and a batch of 1000 frames. Each batch is refused. */
	struct hvt_frame bf[] = {
	        {mem - 32, 64, 64},
	        {HVT_SUPER_DATA, 64, 64},
	        {(uintptr_t)buf, UINT64_MAX - 15, UINT64_MAX - 15},
	        {UINT64_MAX - 15, 64, 64},
	};
	for (unsigned i = 0; i < sizeof(bf) / sizeof(bf[0]); i++) {
		struct hvt_frame one = bf[i];
		nb = (struct hvt_net_batch){na.handle, 1, (uintptr_t)&one, 0,
		                            HVT_OK};
		call(HVT_CALL_NET_WRITE, &nb);
		expect(nb.result == HVT_EINVAL && nb.done == 0,
		       "net write from a bad frame buffer");
		nb = (struct hvt_net_batch){na.handle, 1, (uintptr_t)&one, 0,
		                            HVT_OK};
		call(HVT_CALL_NET_READ, &nb);
		expect(nb.result == HVT_EINVAL && nb.done == 0,
		       "net read into a bad frame buffer");
	}
	nb = (struct hvt_net_batch){na.handle, 1000, (uintptr_t)buf, 0, HVT_OK};
	call(HVT_CALL_NET_WRITE, &nb);
	expect(nb.result == HVT_EINVAL, "net write of 1000 frames");
	call(HVT_CALL_NET_READ, &nb);
	expect(nb.result == HVT_EINVAL, "net read of 1000 frames");

	/* Offloads: a device behind user-mode networking has none; bad
	 * handles and unknown bits are refused. */
	expect(na.offloads == 0, "offloads on user-mode networking");
	struct hvt_net_offload off = {na.handle, 0, HVT_EINVAL, 0};
	call(HVT_CALL_NET_OFFLOAD, &off);
	expect(off.result == HVT_OK, "offloads all off");
	uint32_t wants[] = {0x1, 0x2, 0x4, 0x8, 0xf, 0x80000000u};
	for (unsigned i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		off = (struct hvt_net_offload){na.handle, wants[i], HVT_OK, 0};
		call(HVT_CALL_NET_OFFLOAD, &off);
		expect(off.result == HVT_EINVAL, "an offload not offered");
	}
	off = (struct hvt_net_offload){na.handle + 1, 0, HVT_OK, 0};
	call(HVT_CALL_NET_OFFLOAD, &off);
	expect(off.result == HVT_EINVAL, "offloads on a bad handle");

	/* Frames with metadata the device was not granted: each refused
	 * (and reported) at the yield, the ring passed over them. */
	struct hvt_yield y = {0, 0};
	struct hvt_net_rec bad_meta[] = {
	        {.len = 60, .flags = 1, .csum_start = 34, .csum_offset = 16},
	        {.len = 60, .flags = 2},
	        {.len = 60, .flags = 0x80},
	        {.len = 60,
	         .gso_type = 1,
	         .flags = 1,
	         .hdr_len = 54,
	         .gso_size = 1448},
	        {.len = 60, .gso_type = 7},
	};
	uint32_t prod = 0;
	for (unsigned i = 0; i < sizeof(bad_meta) / sizeof(bad_meta[0]); i++) {
		unsigned char *p = area.tx.data + prod;
		for (unsigned k = 0; k < sizeof(bad_meta[i]); k++)
			p[k] = ((const unsigned char *)&bad_meta[i])[k];
		prod += HVT_NET_REC_SPACE(bad_meta[i].len);
	}
	area.tx.prod = prod;
	call(HVT_CALL_YIELD, &y);
	expect(area.tx.cons == prod, "bad metadata passed over");
	struct hvt_net_flush fl = {na.handle + 1, HVT_OK};
	call(HVT_CALL_NET_FLUSH, &fl);
	expect(fl.result == HVT_EINVAL, "net flush on a bad handle");

	/* Block I/O: into read-only pages, the page tables, past the end. */
	ba.name = (uintptr_t)name_blk0;
	call(HVT_CALL_BLOCK_ACQUIRE, &ba);
	expect(ba.result == HVT_OK, "block acquire of blk0");
	struct hvt_block_io io = {ba.handle, 0, 0, (uintptr_t)&readonly_arg,
	                          512};
	call(HVT_CALL_BLOCK_READ, &io);
	expect(io.result == HVT_EINVAL, "block read into rodata");
	io = (struct hvt_block_io){ba.handle, 0, 0, mem - 4096, 4096};
	call(HVT_CALL_BLOCK_READ, &io);
	expect(io.result == HVT_EINVAL, "block read into the page tables");
	io = (struct hvt_block_io){ba.handle, 0, 0, (uintptr_t)buf,
	                           UINT64_MAX - 511};
	call(HVT_CALL_BLOCK_WRITE, &io);
	expect(io.result == HVT_EINVAL, "block write of a wrapping length");
	io = (struct hvt_block_io){ba.handle, 0, UINT64_MAX - 511,
	                           (uintptr_t)buf, 512};
	call(HVT_CALL_BLOCK_READ, &io);
	expect(io.result == HVT_EINVAL, "block read at a wrapping offset");
	io = (struct hvt_block_io){ba.handle + 1, 0, 0, (uintptr_t)buf, 512};
	call(HVT_CALL_BLOCK_READ, &io);
	expect(io.result == HVT_EINVAL, "block read on a bad handle");
	io = (struct hvt_block_io){ba.handle, 0, 0, (uintptr_t)buf, 512};
	call(HVT_CALL_BLOCK_READ, &io);
	expect(io.result == HVT_OK, "a good block read still works");

	/* Exit with a bad status, a fault report from CPL 3: refused, the
	 * guest goes on. (Ports other than the hypercalls' are closed by the
	 * TSS I/O bitmap: a general protection fault.) */
	struct hvt_abort ab = {0, 100};
	struct hvt_exit ex = {1000};
	call(HVT_CALL_EXIT, &ex);
	call(HVT_CALL_FAULT, &ex);

	say(failures ? "some checks failed\n" : "survived all checks\n");
	if (failures) {
		struct hvt_exit e1 = {1};
		call(HVT_CALL_EXIT, &e1);
	}
	/* An abort whose message pointer is bad still ends the guest. */
	call(HVT_CALL_ABORT, &ab);
	for (;;)
		;
}
