/*
 * platform/hvt/platform.c - include/kiln/platform.h on kiln-hvt.
 *
 * Everything that needs the host is one hypercall (hvt_abi.h). Monotonic
 * time needs none: RDTSC works at CPL 3 and the monitor hands over the
 * TSC rate. Guard pages are a supervisor call (HVT_SUPER_CALL_INSN),
 * since only CPL 0 may touch the page tables.
 *
 * Exits are the costly path, so network frames ride on the yield: each
 * network device gets a frame area (struct hvt_net_area) at acquire.
 * Writes copy frames into its transmit slots and return; the next yield
 * hands them to the monitor in the same exit (a full area is flushed with
 * an exit of its own). The yield returns with received frames in the
 * receive slots, which reads then serve without exiting. A busy loop turn
 * thus costs one exit, whatever it sends and receives.
 */
#include "hypercall.h"

#include <kiln/platform.h>
#include <string.h>

static uint64_t tsc_start;

/* shm.c: doorbells wait for the next yield. */
bool hvt_shm_pending(void);

void hvt_clock_init(void)
{
	tsc_start = __builtin_ia32_rdtsc();
}

void platform_console_write(const char *buf, size_t len)
{
	struct hvt_console c = {(uintptr_t)buf, len};
	if (len)
		hvt_call(HVT_CALL_CONSOLE, &c);
}

platform_time platform_clock_monotonic(void)
{
	uint64_t ticks = __builtin_ia32_rdtsc() - tsc_start;
	return (platform_time)(((unsigned __int128)ticks *
	                        hvt_boot->tsc_mult) >>
	                       32);
}

platform_time platform_clock_wall(void)
{
	struct hvt_walltime w = {0};
	hvt_call(HVT_CALL_WALLTIME, &w);
	return w.ns;
}

enum platform_result platform_entropy(void *buf, size_t len)
{
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	struct hvt_entropy e = {(uint64_t)(uintptr_t)buf, len, HVT_EUNSPEC, 0};
	hvt_call(HVT_CALL_ENTROPY, &e);
	return e.result == HVT_OK ? PLATFORM_OK : PLATFORM_EUNSPEC;
}

/* ---------------------------------------------------------- frame areas */

/* Areas for the first devices; more devices (rare) use the per-batch
 * calls. 193 KiB each, in .bss: untouched pages cost the guest nothing. */
#define NET_AREAS 2

static struct hvt_net_area net_areas[NET_AREAS] __attribute__((aligned(64)));
static struct {
	platform_handle handle;
	uint32_t frame_max; /* mtu + 14 */
	bool used;
} net_area_of[NET_AREAS];

static struct hvt_net_area *area_for(platform_handle h, uint32_t *frame_max)
{
	for (unsigned i = 0; i < NET_AREAS; i++)
		if (net_area_of[i].used && net_area_of[i].handle == h) {
			if (frame_max)
				*frame_max = net_area_of[i].frame_max;
			return &net_areas[i];
		}
	return NULL;
}

/* ---------------------------------------------------------------- yield */

platform_device_set platform_yield(platform_time deadline)
{
	struct hvt_yield y = {0, 0};
	platform_device_set unread = 0;
	bool queued = false;
	for (unsigned i = 0; i < NET_AREAS; i++) {
		const struct hvt_net_area *a = &net_areas[i];
		if (!net_area_of[i].used)
			continue;
		if (a->rx_head != a->rx_count)
			unread |= (platform_device_set)1
			          << net_area_of[i].handle;
		queued |= a->tx_count != 0;
	}
	/* Doorbells for vchan peers go out with the yield too. */
	queued |= hvt_shm_pending();
	/* Frames still to read: report them without an exit, unless some
	 * are waiting to go out, which a polling exit sends. */
	if (unread && !queued)
		return unread;
	if (unread)
		deadline = 0;
	if (deadline == PLATFORM_TIME_NEVER) {
		y.timeout_ns = INT64_MAX;
	} else {
		platform_time now = platform_clock_monotonic();
		y.timeout_ns = deadline > now ? deadline - now : 0;
	}
	hvt_call(HVT_CALL_YIELD, &y);
	return y.ready | unread;
}

/* ------------------------------------------------------------------ net */

enum platform_result platform_net_acquire(const char *name, platform_handle *h,
                                          struct platform_net_info *info)
{
	struct hvt_net_acquire a;
	memset(&a, 0, sizeof(a));
	if (strlen(name) >= HVT_NAME_MAX)
		return PLATFORM_ENOENT;
	a.name = (uintptr_t)name;
	unsigned slot = 0;
	while (slot < NET_AREAS && net_area_of[slot].used)
		slot++;
	if (slot < NET_AREAS)
		a.area = (uintptr_t)&net_areas[slot];
	hvt_call(HVT_CALL_NET_ACQUIRE, &a);
	if (a.result != HVT_OK)
		return (enum platform_result)a.result;
	if (slot < NET_AREAS) {
		/* The monitor keeps mtu + 14 within a slot (hvt_abi.h). */
		uint32_t max = (uint32_t)a.mtu + 14;
		net_area_of[slot].handle = a.handle;
		net_area_of[slot].frame_max =
		        max < HVT_NET_SLOT_SIZE ? max : HVT_NET_SLOT_SIZE;
		net_area_of[slot].used = true;
	}
	*h = a.handle;
	memcpy(info->mac, a.mac, 6);
	info->mtu = a.mtu;
	info->offloads = 0;
	return PLATFORM_OK;
}

/* No offloads on this target (yet): only "all off" is accepted. */
enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	(void)h;
	return want ? PLATFORM_EINVAL : PLATFORM_OK;
}

/* Up to HVT_BATCH_MAX frames per exit; returns the count or -error. */
static int net_batch(unsigned nr, platform_handle h,
                     const struct platform_frame *frames, unsigned n,
                     struct platform_frame *out)
{
	struct hvt_frame fr[HVT_BATCH_MAX];
	unsigned total = 0;
	while (total < n) {
		unsigned k =
		        n - total < HVT_BATCH_MAX ? n - total : HVT_BATCH_MAX;
		for (unsigned i = 0; i < k; i++) {
			fr[i].data = (uintptr_t)frames[total + i].data;
			fr[i].size = frames[total + i].size;
			fr[i].len = frames[total + i].len;
		}
		struct hvt_net_batch b = {h, k, (uintptr_t)fr, 0, 0};
		hvt_call(nr, &b);
		if (b.result != HVT_OK)
			return total ? (int)total : -(int)b.result;
		for (unsigned i = 0; out && i < b.done; i++)
			out[total + i].len = fr[i].len;
		total += b.done;
		if (b.done < k)
			break; /* no more frames, or the host is congested */
	}
	return (int)total;
}

/* Serve reads from the receive area: no exit. */
static int area_read(struct hvt_net_area *a, struct platform_frame *frames,
                     unsigned n)
{
	unsigned got = 0;
	while (got < n && a->rx_head < a->rx_count &&
	       a->rx_count <= HVT_NET_SLOTS) {
		uint32_t i = a->rx_head;
		uint32_t len = a->rx_len[i];
		if (len > HVT_NET_SLOT_SIZE || len > frames[got].size) {
			/* Too large for the caller: dropped, as documented,
			 * once it is the first frame of a call. */
			if (got > 0)
				break;
			a->rx_head++;
			if (a->rx_head >= a->rx_count)
				a->rx_head = a->rx_count = 0;
			return -(int)PLATFORM_EINVAL;
		}
		a->rx_head++;
		memcpy(frames[got].data, a->rx[i], len);
		frames[got].len = len;
		got++;
	}
	if (a->rx_head >= a->rx_count)
		a->rx_head = a->rx_count = 0;
	return (int)got;
}

/* Queue writes in the transmit area; a full area is flushed by an exit
 * of its own. Fewer than n only if the host is congested. */
static int area_write(platform_handle h, struct hvt_net_area *a,
                      uint32_t frame_max, const struct platform_frame *frames,
                      unsigned n)
{
	unsigned done;
	for (done = 0; done < n; done++) {
		size_t len = frames[done].len;
		if (len == 0 || len > frame_max)
			return done ? (int)done : -(int)PLATFORM_EINVAL;
		if (a->tx_count >= HVT_NET_SLOTS) {
			struct hvt_net_flush f = {h, HVT_EINVAL};
			hvt_call(HVT_CALL_NET_FLUSH, &f);
			if (f.result != HVT_OK)
				return done ? (int)done : -(int)f.result;
			if (a->tx_count >= HVT_NET_SLOTS)
				break; /* congested */
		}
		uint32_t i = a->tx_count;
		memcpy(a->tx[i], frames[done].data, len);
		a->tx_len[i] = (uint32_t)len;
		a->tx_count = i + 1;
	}
	return (int)done;
}

int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned n)
{
	struct hvt_net_area *a = area_for(h, NULL);
	if (a)
		return area_read(a, frames, n);
	return net_batch(HVT_CALL_NET_READ, h, frames, n, frames);
}

int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames, unsigned n)
{
	uint32_t frame_max;
	struct hvt_net_area *a = area_for(h, &frame_max);
	if (a)
		return area_write(h, a, frame_max, frames, n);
	return net_batch(HVT_CALL_NET_WRITE, h, frames, n, NULL);
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	struct platform_frame f = {buf, size, 0, {0}};
	int r = platform_net_read_batch(h, &f, 1);
	if (r < 0)
		return (enum platform_result) - r;
	if (r == 0)
		return PLATFORM_AGAIN;
	*len = f.len;
	return PLATFORM_OK;
}

enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len)
{
	struct platform_frame f = {(void *)buf, len, len, {0}};
	int r = platform_net_write_batch(h, &f, 1);
	if (r < 0)
		return (enum platform_result) - r;
	return r == 1 ? PLATFORM_OK : PLATFORM_AGAIN;
}

/* ---------------------------------------------------------------- block */

enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info)
{
	struct hvt_block_acquire a;
	memset(&a, 0, sizeof(a));
	if (strlen(name) >= HVT_NAME_MAX)
		return PLATFORM_ENOENT;
	a.name = (uintptr_t)name;
	hvt_call(HVT_CALL_BLOCK_ACQUIRE, &a);
	if (a.result != HVT_OK)
		return (enum platform_result)a.result;
	*h = a.handle;
	info->capacity = a.capacity;
	info->sector_size = a.sector_size;
	return PLATFORM_OK;
}

static enum platform_result block_io(unsigned nr, platform_handle h,
                                     uint64_t offset, const void *buf,
                                     size_t size)
{
	struct hvt_block_io io = {h, HVT_EUNSPEC, offset, (uintptr_t)buf, size};
	hvt_call(nr, &io);
	return (enum platform_result)io.result;
}

enum platform_result platform_block_read(platform_handle h, uint64_t offset,
                                         void *buf, size_t size)
{
	return block_io(HVT_CALL_BLOCK_READ, h, offset, buf, size);
}

enum platform_result platform_block_write(platform_handle h, uint64_t offset,
                                          const void *buf, size_t size)
{
	return block_io(HVT_CALL_BLOCK_WRITE, h, offset, buf, size);
}

enum platform_result platform_block_flush(platform_handle h)
{
	return block_io(HVT_CALL_BLOCK_FLUSH, h, 0, NULL, 0);
}

/* --------------------------------------------------------------- memory */

enum platform_result platform_guard_page(void *page, bool guard)
{
	uint64_t r = HVT_SUPER_GUARD_PAGE;
	if (!(hvt_boot->flags & HVT_BOOT_GUARD_PAGES))
		return PLATFORM_EUNSUPPORTED;
	/* ud2; .byte 'K', 'S' = HVT_SUPER_CALL_INSN */
	__asm__ volatile("ud2\n\t.byte 0x4b, 0x53"
	                 : "+a"(r)
	                 : "D"(page), "S"((uint64_t)guard)
	                 : "memory");
	return r == HVT_OK ? PLATFORM_OK : PLATFORM_EINVAL;
}

/* ----------------------------------------------------------------- exit */

_Noreturn void platform_exit(int status)
{
	struct hvt_exit e = {(uint64_t)(status & 0xff)};
	hvt_call(HVT_CALL_EXIT, &e);
	for (;;)
		__builtin_trap(); /* not reached: the monitor is gone */
}

_Noreturn void platform_abort(const char *why)
{
	struct hvt_abort a = {(uintptr_t)why, strlen(why)};
	hvt_call(HVT_CALL_ABORT, &a);
	for (;;)
		__builtin_trap();
}
