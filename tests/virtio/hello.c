/*
 * hello.c - a stand-in application for the virtio target's tests: it
 * implements kiln_start() directly on kiln/platform.h, so the platform can
 * be tested without the runtime. Commands (boot arguments):
 *   hello             print a greeting and the boot arguments, exit 0
 *   --fail            exit with status 3
 *   --sleep=MS        sleep MS milliseconds in platform_yield, report it
 *                     and how many times platform_yield returned and slept
 *   --blk-write=SEED  write 64 KiB of a pattern at offset 4096 of blk0
 *   --blk-check=SEED  read it back and compare
 *   --blk-big=SEED    write 3 MiB + 512 bytes at offset 1 MiB in one call,
 *                     flush, read it back in one call and compare; check
 *                     that unaligned and out-of-range requests are refused
 *   --net-ping        send an ARP request on net0, wait for any frame
 *   --fault=null      dereference NULL (page 0 is unmapped)
 *   --fault=stack     overflow the stack into its guard page
 *   --fault=wx        write to the code (text is read+execute only)
 *   --fault=nx        run code in data (data is no-execute)
 *   --fault=ro        write to read-only data
 *   --fault=kernel    read the supervisor's memory (past the user stack)
 */
#include "../../platform/x86_64/kernel.h"
#include <kiln/platform.h>
#include <stdint.h>

static void out(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	platform_console_write(s, n);
}

static void out_u64(uint64_t v)
{
	char buf[21];
	int i = 20;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out(buf + i);
}

static int starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static uint64_t num(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

static uint8_t pattern(uint64_t seed, uint64_t i)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull ^
	             (i * 0xbf58476d1ce4e5b9ull);
	return (uint8_t)(x >> 29);
}

static uint8_t blockbuf[65536] __attribute__((aligned(4096)));

static int blk(uint64_t seed, int write)
{
	platform_handle h;
	struct platform_block_info bi;
	if (platform_block_acquire("blk0", &h, &bi) != PLATFORM_OK) {
		out("blk0: not found\n");
		return 1;
	}
	out("blk0: capacity ");
	out_u64(bi.capacity);
	out(" sector ");
	out_u64(bi.sector_size);
	out("\n");
	if (write) {
		for (uint64_t i = 0; i < sizeof(blockbuf); i++)
			blockbuf[i] = pattern(seed, i);
		enum platform_result r = platform_block_write(h, 4096, blockbuf,
		                                              sizeof(blockbuf));
		if (r == PLATFORM_OK)
			r = platform_block_flush(h);
		if (r != PLATFORM_OK) {
			out("blk0: write failed: result ");
			out_u64(r);
			out("\n");
			return 1;
		}
		out("blk0: wrote 65536 bytes\n");
		return 0;
	}
	if (platform_block_read(h, 4096, blockbuf, sizeof(blockbuf))) {
		out("blk0: read failed\n");
		return 1;
	}
	for (uint64_t i = 0; i < sizeof(blockbuf); i++) {
		if (blockbuf[i] != pattern(seed, i)) {
			out("blk0: mismatch at byte ");
			out_u64(i);
			out("\n");
			return 1;
		}
	}
	/* Out of range must be refused. */
	if (platform_block_read(h, bi.capacity, blockbuf, 512) !=
	    PLATFORM_EINVAL) {
		out("blk0: read past the end accepted\n");
		return 1;
	}
	out("blk0: read back 65536 bytes, all match\n");
	return 0;
}

static uint8_t bigbuf[3 * 1024 * 1024 + 512] __attribute__((aligned(4096)));

static int blk_big(uint64_t seed)
{
	platform_handle h;
	struct platform_block_info bi;
	const uint64_t off = 1024 * 1024;
	if (platform_block_acquire("blk0", &h, &bi) != PLATFORM_OK) {
		out("blk0: not found\n");
		return 1;
	}
	if (platform_block_acquire("blk0", &h, &bi) != PLATFORM_EINVAL) {
		out("blk0: acquired twice\n");
		return 1;
	}
	for (uint64_t i = 0; i < sizeof(bigbuf); i++)
		bigbuf[i] = pattern(seed, i);
	if (platform_block_write(h, off, bigbuf, sizeof(bigbuf)) ||
	    platform_block_flush(h)) {
		out("blk0: big write failed\n");
		return 1;
	}
	for (uint64_t i = 0; i < sizeof(bigbuf); i++)
		bigbuf[i] = 0;
	if (platform_block_read(h, off, bigbuf, sizeof(bigbuf))) {
		out("blk0: big read failed\n");
		return 1;
	}
	for (uint64_t i = 0; i < sizeof(bigbuf); i++) {
		if (bigbuf[i] != pattern(seed, i)) {
			out("blk0: big mismatch at byte ");
			out_u64(i);
			out("\n");
			return 1;
		}
	}
	if (platform_block_read(h, off + 1, bigbuf, 512) != PLATFORM_EINVAL ||
	    platform_block_read(h, off, bigbuf, 100) != PLATFORM_EINVAL ||
	    platform_block_read(h, bi.capacity - 512, bigbuf, 1024) !=
	            PLATFORM_EINVAL ||
	    platform_block_read(h + 1, off, bigbuf, 512) != PLATFORM_EINVAL) {
		out("blk0: a bad request was accepted\n");
		return 1;
	}
	out("blk0: 3146240 bytes written and read back in one call each, "
	    "bad requests refused\n");
	return 0;
}

static int net_ping(void)
{
	platform_handle h;
	struct platform_net_info ni;
	if (platform_net_acquire("net0", &h, &ni) != PLATFORM_OK) {
		out("net0: not found\n");
		return 1;
	}
	out("net0: mtu ");
	out_u64(ni.mtu);
	out("\n");
	/* ARP who-has the user-mode gateway: 198.18.0.1 (kiln-usernet, what
	 * the launcher's --net user gives) and 10.0.2.2 (QEMU's own
	 * -netdev user, which some checks add themselves). Either reply
	 * will do. */
	static const uint8_t nets[2][14] = {
	        {198, 18, 0, 15, 0, 0, 0, 0, 0, 0, 198, 18, 0, 1},
	        {10, 0, 2, 15, 0, 0, 0, 0, 0, 0, 10, 0, 2, 2},
	};
	for (int n = 0; n < 2; n++) {
		uint8_t f[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		for (int i = 0; i < 6; i++)
			f[6 + i] = ni.mac[i];
		const uint8_t arp[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
		for (unsigned i = 0; i < sizeof(arp); i++)
			f[12 + i] = arp[i];
		for (int i = 0; i < 6; i++)
			f[22 + i] = ni.mac[i];
		for (unsigned i = 0; i < sizeof(nets[n]); i++)
			f[28 + i] = nets[n][i];
		if (platform_net_write(h, f, sizeof(f)) != PLATFORM_OK) {
			out("net0: write failed\n");
			return 1;
		}
	}
	platform_time deadline = platform_clock_monotonic() + 5000000000ll;
	while (platform_clock_monotonic() < deadline) {
		platform_device_set ready = platform_yield(deadline);
		if (!(ready & (1ull << h)))
			continue;
		static uint8_t rx[2048];
		size_t len;
		if (platform_net_read(h, rx, sizeof(rx), &len) == PLATFORM_OK) {
			out("net0: received a frame of ");
			out_u64(len);
			out(" bytes, ethertype ");
			out_u64((uint64_t)rx[12] << 8 | rx[13]);
			out("\n");
			return 0;
		}
	}
	out("net0: no reply\n");
	return 1;
}

static volatile int depth_limit = 1 << 30;
static uint8_t data_code[16] = {0xc3}; /* ret */
static const int read_only[4] = {1, 2, 3, 4};
extern char __kbss_start[];

static int recurse(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	if (n > depth_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

int kiln_start(const struct platform_start_info *info)
{
	const char *p = info->cmdline;
	out("hello from kiln on ");
	out(info->target);
	out(": args [");
	out(p);
	out("] heap ");
	out_u64(info->heap_size >> 10);
	out(" KiB\n");
	int status = 0;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (starts(p, "--fail"))
			status = 3;
		else if (starts(p, "--sleep=")) {
			uint64_t sleeps0 = yield_sleeps;
			unsigned returns = 0;
			platform_time t0 = platform_clock_monotonic();
			platform_time want =
			        (platform_time)num(p + 8) * 1000000;
			while (platform_clock_monotonic() - t0 < want) {
				platform_yield(t0 + want);
				returns++;
			}
			out("slept ");
			out_u64((uint64_t)(platform_clock_monotonic() - t0) /
			        1000);
			out(" us\n");
			/* A halted sleep wakes a handful of times at most. */
			out("sleep: ");
			out_u64(returns);
			out(" yield returns, ");
			out_u64(yield_sleeps - sleeps0);
			out(" supervisor sleeps\n");
		} else if (starts(p, "--blk-write="))
			status |= blk(num(p + 12), 1);
		else if (starts(p, "--blk-check="))
			status |= blk(num(p + 12), 0);
		else if (starts(p, "--blk-big="))
			status |= blk_big(num(p + 10));
		else if (starts(p, "--net-ping"))
			status |= net_ping();
		else if (starts(p, "--fault=null"))
			status = *(volatile int *)0;
		else if (starts(p, "--fault=stack"))
			status = recurse(0);
		else if (starts(p, "--fault=wx"))
			*(volatile uint8_t *)(uintptr_t)&kiln_start = 0xc3;
		else if (starts(p, "--fault=nx"))
			((void (*)(void))(uintptr_t)data_code)();
		else if (starts(p, "--fault=ro"))
			*(volatile int *)(uintptr_t)&read_only[1] = 2;
		else if (starts(p, "--fault=kernel"))
			status = *(volatile uint8_t *)__kbss_start;
		else if (starts(p, "--timer"))
			out(boot_info.flags & BOOT_TSC_DEADLINE
			            ? "timer: tsc-deadline\n"
			    : boot_info.flags & BOOT_LAPIC_TIMER
			            ? "timer: one-shot\n"
			            : "timer: none\n");
		else if (starts(p, "--wall"))
			out_u64((uint64_t)platform_clock_wall() / 1000000000),
			        out(" s since 1970\n");
		while (*p && *p != ' ')
			p++;
	}
	return status;
}

/* The compiler may call these for copies and clears (the runtime's libc
 * provides them in real images). */
#pragma GCC optimize("no-tree-loop-distribute-patterns")
void *memcpy(void *d, const void *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)d)[i] = ((const uint8_t *)s)[i];
	return d;
}

void *memset(void *d, int c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)d)[i] = (uint8_t)c;
	return d;
}
