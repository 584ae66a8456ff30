/*
 * platform/hvt/platform.c - include/kiln/platform.h on kiln-hvt.
 *
 * Everything that needs the host is one hypercall (hvt_abi.h). Monotonic
 * time needs none: RDTSC works at CPL 3 and the monitor hands over the
 * TSC rate. Guard pages are a supervisor call (HVT_SUPER_CALL_INSN),
 * since only CPL 0 may touch the page tables.
 *
 * Exits are the costly path, so network frames ride on the yield: each
 * network device gets a frame area (struct hvt_net_area, a ring each way)
 * at acquire. Writes append frames, with their offload metadata, to its
 * transmit ring and return; the next yield hands them to the monitor in
 * the same exit (a full ring is flushed with an exit of its own). The
 * yield returns with received frames in the receive ring, which reads
 * then serve without exiting. A busy loop turn thus costs one exit,
 * whatever it sends and receives.
 *
 * On a tap the monitor serves the area from an I/O thread of its own
 * (HVT_NET_F_SERVED): frames then go out and come in while the guest
 * runs, and the yield exits only when the guest has nothing to do for
 * longer than YIELD_SPIN_NS (it polls the receive rings until then), or
 * when frames wait behind a thread that went to sleep (tx.idle).
 */
#include "hypercall.h"

#include <kiln/platform.h>
#include <string.h>

static uint64_t tsc_start;

/* shm.c: doorbells wait for the next yield; links are polled by it. */
bool hvt_shm_pending(void);
bool hvt_shm_active(void);

/* How long a yield with only served rings to watch polls them before it
 * exits to wait (an exit costs 20-100 us on the nested KVM here, more on
 * a busy host; longer polls took the CPU from the peer), and how long a
 * write waits for a busy I/O thread to make room in a full ring
 * before it reports the host congested (a sleeping thread is woken by a
 * flush exit instead). */
#define YIELD_SPIN_NS 200000
/* Frames an I/O thread leaves in the ring this long without taking any
 * (it gets no CPU) are sent by an exit. */
#define TX_STALL_NS 20000
#define FULL_SPIN_NS 20000

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
	return e.result == HVT_OK             ? PLATFORM_OK
	       : e.result == HVT_EUNSUPPORTED ? PLATFORM_EUNSUPPORTED
	                                      : PLATFORM_EUNSPEC;
}

const char *platform_entropy_source(void)
{
	/* kiln-hvt answers every call alike: asking once tells. */
	static const char *name;
	if (!name) {
		uint8_t probe[8];
		enum platform_result r = platform_entropy(probe, sizeof(probe));
		name = r == PLATFORM_OK ? "kiln-hvt getrandom" : "none";
		for (unsigned i = 0; i < sizeof(probe); i++)
			((volatile uint8_t *)probe)[i] = 0;
	}
	return name;
}

/* ---------------------------------------------------------- frame areas */

/* An area for the first device; more devices (rare) use the per-batch
 * calls, without offloads. 2 MiB, in .bss: untouched pages cost the guest
 * nothing. */
#define NET_AREAS 1

static struct hvt_net_area net_areas[NET_AREAS] __attribute__((aligned(64)));
static struct {
	platform_handle handle;
	uint32_t mtu_frame; /* mtu + 14 */
	uint32_t offloads;  /* turned on */
	bool used;
	bool served; /* by the monitor's I/O thread (HVT_NET_F_SERVED) */
} net_area_of[NET_AREAS];
/* Devices acquired without an area: only an exit polls them. */
static unsigned plain_nets;

static struct hvt_net_area *area_for(platform_handle h, unsigned *slot)
{
	for (unsigned i = 0; i < NET_AREAS; i++)
		if (net_area_of[i].used && net_area_of[i].handle == h) {
			if (slot)
				*slot = i;
			return &net_areas[i];
		}
	return NULL;
}

static bool ring_unread(const struct hvt_net_ring *r)
{
	return __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE) != r->cons;
}

static bool ring_queued(const struct hvt_net_ring *r)
{
	return __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE) != r->prod;
}

/* ---------------------------------------------------------------- yield */

/* The served rings' unread frames; *attn when the monitor asked for an
 * exit. */
static platform_device_set served_unread(bool *attn)
{
	platform_device_set unread = 0;
	for (unsigned i = 0; i < NET_AREAS; i++) {
		struct hvt_net_area *a = &net_areas[i];
		if (!net_area_of[i].used || !net_area_of[i].served)
			continue;
		if (ring_unread(&a->rx))
			unread |= (platform_device_set)1
			          << net_area_of[i].handle;
		if (__atomic_load_n(&a->rx.attn, __ATOMIC_ACQUIRE))
			*attn = true;
	}
	return unread;
}

/* Whether a served transmit ring holds frames; *taken: the sum of their
 * consumer indices (it moves while the thread takes frames). */
static bool served_queued(uint32_t *taken)
{
	bool queued = false;
	*taken = 0;
	for (unsigned i = 0; i < NET_AREAS; i++)
		if (net_area_of[i].used && net_area_of[i].served) {
			queued |= ring_queued(&net_areas[i].tx);
			*taken += __atomic_load_n(&net_areas[i].tx.cons,
			                          __ATOMIC_ACQUIRE);
		}
	return queued;
}

platform_device_set platform_yield(platform_time deadline)
{
	struct hvt_yield y = {0, 0};
	platform_device_set unread = 0;
	bool queued = false, served = false, unserved = plain_nets > 0;
	for (unsigned i = 0; i < NET_AREAS; i++) {
		struct hvt_net_area *a = &net_areas[i];
		if (!net_area_of[i].used)
			continue;
		if (ring_unread(&a->rx))
			unread |= (platform_device_set)1
			          << net_area_of[i].handle;
		if (!net_area_of[i].served) {
			unserved = true;
			queued |= ring_queued(&a->tx);
			continue;
		}
		/* Served: the I/O thread takes queued frames unless it
		 * sleeps (hvt_abi.h: tx.prod published, full barrier, then
		 * tx.idle), and a stop request needs an exit. */
		served = true;
		queued |= __atomic_load_n(&a->rx.attn, __ATOMIC_ACQUIRE) != 0;
		if (ring_queued(&a->tx)) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			queued |= __atomic_load_n(&a->tx.idle,
			                          __ATOMIC_SEQ_CST) != 0;
		}
	}
	/* Doorbells for vchan peers go out with the yield too. */
	queued |= hvt_shm_pending();
	/* Frames still to read: report them without an exit, unless some
	 * are waiting to go out, which a polling exit sends. */
	if (unread && !queued)
		return unread;
	if (unread)
		deadline = 0;
	/* Nothing to watch but served rings (no vchan links, which the
	 * monitor polls): a poll needs no exit, and a wait polls the rings
	 * for a while before it exits. */
	if (!queued && served && !unserved && !hvt_shm_active()) {
		platform_time now = platform_clock_monotonic();
		if (deadline <= now)
			return 0;
		platform_time until = deadline - now > YIELD_SPIN_NS
		                              ? now + YIELD_SPIN_NS
		                              : deadline;
		bool attn = false, stalled = false;
		platform_time queued_since = 0;
		uint32_t taken = 0;
		while (now < until) {
			platform_device_set got = served_unread(&attn);
			if (got)
				return got;
			if (attn)
				break;
			/* Frames the thread has not taken for TX_STALL_NS:
			 * it does not get a CPU; the exit sends them. */
			uint32_t t;
			if (!served_queued(&t)) {
				queued_since = 0;
			} else if (!queued_since || t != taken) {
				queued_since = now;
				taken = t;
			} else if (now - queued_since > TX_STALL_NS) {
				stalled = true;
				break;
			}
			__builtin_ia32_pause();
			now = platform_clock_monotonic();
		}
		if (!attn && !stalled && now >= deadline)
			return 0;
	}
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
		net_area_of[slot].handle = a.handle;
		net_area_of[slot].mtu_frame = (uint32_t)a.mtu + 14;
		net_area_of[slot].offloads = 0;
		net_area_of[slot].served = a.features & HVT_NET_F_SERVED;
		net_area_of[slot].used = true;
	} else {
		plain_nets++;
	}
	*h = a.handle;
	memcpy(info->mac, a.mac, 6);
	info->mtu = a.mtu;
	/* What the monitor grants: offloads need an area (and a tap with
	 * vnet headers behind it). Frames in pieces are the guest's own
	 * affair: area_write gathers them into the ring, where every frame
	 * is copied anyway. */
	info->offloads =
	        slot < NET_AREAS ? a.offloads | PLATFORM_NET_OFF_TX_SG : 0;
	return PLATFORM_OK;
}

enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	unsigned slot;
	if (!area_for(h, &slot))
		return want ? PLATFORM_EINVAL : PLATFORM_OK;
	struct hvt_net_offload o = {(uint32_t)h, want & ~PLATFORM_NET_OFF_TX_SG,
	                            HVT_EINVAL, 0};
	hvt_call(HVT_CALL_NET_OFFLOAD, &o);
	if (o.result == HVT_OK)
		net_area_of[slot].offloads = want;
	return (enum platform_result)o.result;
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

/* The largest frame either way with the offloads on. */
static uint32_t frame_max(unsigned slot, uint32_t tso)
{
	return net_area_of[slot].offloads & tso ? HVT_NET_FRAME_MAX
	                                        : net_area_of[slot].mtu_frame;
}

/* Serve reads from the receive ring: no exit. A frame too large for the
 * caller's buffer is dropped, as documented, once it is the first frame
 * of a call. */
static int area_read(struct hvt_net_area *a, unsigned slot,
                     struct platform_frame *frames, unsigned n)
{
	struct hvt_net_ring *r = &a->rx;
	uint32_t max = frame_max(slot, PLATFORM_NET_OFF_RX_TSO4);
	bool meta = net_area_of[slot].offloads & PLATFORM_NET_OFF_RX_CSUM;
	uint32_t cons = r->cons;
	unsigned got = 0;
	int err = 0;
	while (got < n) {
		uint32_t prod = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE);
		uint32_t avail = prod - cons;
		if (avail == 0 || avail > HVT_NET_RING_SIZE)
			break;
		uint32_t pos = cons % HVT_NET_RING_SIZE;
		struct hvt_net_rec rec;
		memcpy(&rec, r->data + pos, sizeof(rec));
		if (rec.len == HVT_NET_REC_WRAP) {
			cons += HVT_NET_RING_SIZE - pos;
			continue;
		}
		uint32_t space = HVT_NET_REC_SPACE(rec.len);
		if (rec.len > max || space > avail ||
		    pos + space > HVT_NET_RING_SIZE ||
		    rec.len > frames[got].size) {
			if (got > 0)
				break;
			/* The monitor keeps within the limits; a frame the
			 * caller has no room for is dropped. */
			cons += space <= avail ? space : avail;
			err = -(int)PLATFORM_EINVAL;
			break;
		}
		struct platform_frame *f = &frames[got++];
		memcpy(f->data, r->data + pos + sizeof(rec), rec.len);
		f->len = rec.len;
		if (meta) {
			f->meta.flags = rec.flags;
			f->meta.gso_type = rec.gso_type;
			f->meta.hdr_len = rec.hdr_len;
			f->meta.gso_size = rec.gso_size;
			f->meta.csum_start = rec.csum_start;
			f->meta.csum_offset = rec.csum_offset;
		}
		cons += space;
	}
	__atomic_store_n(&r->cons, cons, __ATOMIC_RELEASE);
	return err ? err : (int)got;
}

/* A served transmit ring without room for a len-byte frame: wait while
 * the I/O thread is awake and draining it, up to FULL_SPIN_NS; true when
 * the room came. */
static bool room_soon(struct hvt_net_ring *r, uint32_t len)
{
	platform_time end = platform_clock_monotonic() + FULL_SPIN_NS;
	uint32_t skip;
	do {
		if (__atomic_load_n(&r->idle, __ATOMIC_ACQUIRE))
			return false;
		__builtin_ia32_pause();
		if (hvt_net_ring_room(
		            r->prod,
		            __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE), len,
		            &skip))
			return true;
	} while (platform_clock_monotonic() < end);
	return false;
}

/* Queue writes in the transmit ring; a full ring is flushed by an exit
 * of its own. Fewer than n only if the host is congested. */
static int area_write(platform_handle h, struct hvt_net_area *a, unsigned slot,
                      const struct platform_frame *frames, unsigned n)
{
	struct hvt_net_ring *r = &a->tx;
	uint32_t offloads = net_area_of[slot].offloads;
	unsigned done;
	for (done = 0; done < n; done++) {
		const struct platform_frame *f = &frames[done];
		size_t len = f->len;
		bool large = f->meta.gso_type != PLATFORM_NET_GSO_NONE;
		if (len == 0 ||
		    len > (large ? HVT_NET_FRAME_MAX
		                 : net_area_of[slot].mtu_frame) ||
		    (f->meta.flags && !(offloads & PLATFORM_NET_OFF_TX_CSUM)) ||
		    (large && !(offloads & PLATFORM_NET_OFF_TX_TSO4)) ||
		    (f->n_iov && (!(offloads & PLATFORM_NET_OFF_TX_SG) ||
		                  f->n_iov > PLATFORM_NET_IOV_MAX)))
			return done ? (int)done : -(int)PLATFORM_EINVAL;
		uint32_t skip;
		if (!hvt_net_ring_room(
		            r->prod,
		            __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE),
		            (uint32_t)len, &skip) &&
		    !(net_area_of[slot].served &&
		      room_soon(r, (uint32_t)len))) {
			/* Full behind an I/O thread that is busy sending it:
			 * the host is congested; the caller tries again. */
			if (net_area_of[slot].served &&
			    !__atomic_load_n(&r->idle, __ATOMIC_ACQUIRE))
				break;
			struct hvt_net_flush fl = {h, HVT_EINVAL};
			hvt_call(HVT_CALL_NET_FLUSH, &fl);
			if (fl.result != HVT_OK)
				return done ? (int)done : -(int)fl.result;
			if (!hvt_net_ring_room(
			            r->prod,
			            __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE),
			            (uint32_t)len, &skip))
				break; /* congested */
		}
		uint32_t prod = r->prod;
		if (skip) {
			struct hvt_net_rec wrap = {.len = HVT_NET_REC_WRAP};
			memcpy(r->data + prod % HVT_NET_RING_SIZE, &wrap,
			       sizeof(wrap));
			prod += skip;
		}
		struct hvt_net_rec rec = {
		        .len = (uint32_t)len,
		        .flags = f->meta.flags,
		        .gso_type = f->meta.gso_type,
		        .hdr_len = f->meta.hdr_len,
		        .gso_size = f->meta.gso_size,
		        .csum_start = f->meta.csum_start,
		        .csum_offset = f->meta.csum_offset,
		};
		uint8_t *p = r->data + prod % HVT_NET_RING_SIZE;
		memcpy(p, &rec, sizeof(rec));
		if (f->n_iov) {
			/* The pieces must add up to len: no more is copied. */
			size_t at = 0;
			for (unsigned i = 0; i < f->n_iov; i++) {
				size_t k = f->iov[i].len;
				if (k > len - at)
					k = len - at;
				memcpy(p + sizeof(rec) + at, f->iov[i].base, k);
				at += k;
			}
			if (at < len)
				memset(p + sizeof(rec) + at, 0, len - at);
		} else {
			memcpy(p + sizeof(rec), f->data, len);
		}
		__atomic_store_n(&r->prod, prod + HVT_NET_REC_SPACE(len),
		                 __ATOMIC_RELEASE);
	}
	return (int)done;
}

int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned n)
{
	unsigned slot;
	struct hvt_net_area *a = area_for(h, &slot);
	if (a)
		return area_read(a, slot, frames, n);
	return net_batch(HVT_CALL_NET_READ, h, frames, n, frames);
}

int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames, unsigned n)
{
	unsigned slot;
	struct hvt_net_area *a = area_for(h, &slot);
	if (a)
		return area_write(h, a, slot, frames, n);
	return net_batch(HVT_CALL_NET_WRITE, h, frames, n, NULL);
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	struct platform_frame f = {.data = buf, .size = size, .len = 0};
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
	struct platform_frame f = {
	        .data = (void *)buf, .size = len, .len = len};
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
