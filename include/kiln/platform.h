/*
 * kiln/platform.h - the boundary between Kiln's libraries and its targets.
 *
 * Everything above this header is portable; everything below it (one folder
 * per target under platform/) knows where it runs. A library never includes
 * a platform's headers, and a platform never includes a library's internals.
 *
 * The interface is deliberately small. It is single-threaded: nothing here is
 * called concurrently, and no function may be called from an exception or
 * signal context.
 *
 * Conventions:
 * - Times are nanoseconds. Monotonic time starts near 0 at boot and never
 *   goes backwards; wall time is nanoseconds since the Unix epoch (UTC).
 * - Functions that can fail return an enum platform_result (0 is success).
 *   Batch calls return a count >= 0 or a negated enum platform_result.
 * - Buffers passed in are only used for the duration of the call.
 */
#ifndef KILN_PLATFORM_H
#define KILN_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum platform_result {
	PLATFORM_OK = 0,
	PLATFORM_AGAIN = 1,       /* nothing to do now: try after yield */
	PLATFORM_EINVAL = 2,      /* bad argument (handle, size, alignment) */
	PLATFORM_EUNSPEC = 3,     /* the host failed; details were logged */
	PLATFORM_ENOENT = 4,      /* no such device */
	PLATFORM_EUNSUPPORTED = 5 /* the target cannot do this */
};

/* Monotonic and wall-clock times, in nanoseconds. */
typedef int64_t platform_time;

/* A sentinel deadline: wait until I/O only. */
#define PLATFORM_TIME_NEVER INT64_MAX

/*
 * Devices are named by the host configuration ("net0", "blk0", or whatever
 * the operator chose) and are referred to by a small handle once acquired.
 * A handle is below PLATFORM_MAX_DEVICES, so a set of handles fits in the
 * bits of a platform_device_set, with the top bit left for PLATFORM_STOP.
 */
typedef unsigned platform_handle;
typedef uint64_t platform_device_set;
#define PLATFORM_MAX_DEVICES 63

/*
 * Set in platform_yield()'s result once the host has asked the unikernel
 * to stop (SIGTERM or SIGINT to the unix process or to kiln-hvt), and at
 * every yield after that. The runtime then ends the unikernel as
 * kiln_exit(0) would, running its exit hooks. A target whose host cannot
 * ask (virtio: QEMU simply ends the guest) never sets it.
 */
#define PLATFORM_STOP ((platform_device_set)1 << 63)

/* ---------------------------------------------------------------- start */

/*
 * What the platform hands over at start. The platform calls kiln_start()
 * exactly once, on the boot stack, with interrupts (if any) quiet.
 */
struct platform_start_info {
	/* Boot arguments: a NUL-terminated string of space-separated words
	 * (the part after "--" on the host side). Never NULL; may be "". */
	const char *cmdline;
	/* The one heap region; page-aligned (4 KiB), at least 64 KiB. */
	void *heap_start;
	size_t heap_size;
	/* The target's name: "unix", "hvt", "virtio", ... */
	const char *target;
};

/*
 * Provided by lib/rt, called by the platform. Returns the status the
 * unikernel exits with; the platform then behaves as platform_exit(status).
 */
int kiln_start(const struct platform_start_info *info);

/* -------------------------------------------------------------- console */

/* Write len bytes to the console. Best effort, never fails, never blocks
 * for long. The bytes are not interpreted (no newline translation). */
void platform_console_write(const char *buf, size_t len);

/* ---------------------------------------------------------------- clocks */

/* Nanoseconds since an arbitrary point near boot; never decreases. */
platform_time platform_clock_monotonic(void);

/* Nanoseconds since 1970-01-01T00:00:00Z, as far as the host knows. */
platform_time platform_clock_wall(void);

/* ----------------------------------------------------------------- yield */

/*
 * Sleep until the monotonic clock reaches deadline, or until any acquired
 * device has input ready (a network frame to read; block I/O is
 * synchronous and never makes a device ready), whichever comes first.
 * Returns the set of devices with input ready: bit h is set for handle h.
 * A deadline in the past polls and returns at once. A stop request from
 * the host (PLATFORM_STOP) also ends the wait.
 *
 * This is the only place a Kiln unikernel waits.
 */
platform_device_set platform_yield(platform_time deadline);

/* ------------------------------------------------------------------- net */

struct platform_net_info {
	uint8_t mac[6];
	/* Largest frame payload (IP packet) the device carries; frames are at
	 * most mtu + 14 bytes (Ethernet header, no FCS, no VLAN tag), except
	 * the large ones of the offloads below once turned on. */
	uint16_t mtu;
	/* The offloads the device can do (PLATFORM_NET_OFF_*); 0 for a
	 * target that has none. All are off until platform_net_offload()
	 * turns them on. */
	uint32_t offloads;
};

/*
 * Offloads, in the spirit of virtio-net's header. Each is a promise about
 * the frames of the batch calls (platform_net_read_batch and
 * platform_net_write_batch, through struct platform_net_meta); the
 * single-frame calls never use them.
 *
 *   TX_CSUM   a frame sent may leave its TCP or UDP checksum to the device:
 *             meta.flags has NEEDS_CSUM, the checksum field holds the
 *             folded pseudo-header sum, and the device sums from
 *             csum_start to the end and stores the result at csum_start +
 *             csum_offset.
 *   TX_TSO4   a frame sent may be one TCP/IPv4 segment of up to 65535 IP
 *             bytes that the device cuts into segments of gso_size payload
 *             bytes (gso_type TCPV4, hdr_len the Ethernet, IP and TCP
 *             header bytes, NEEDS_CSUM set). The IP total length and
 *             checksum are those of the large packet; the device fixes them
 *             per segment, with IP ids counting up from the large one's.
 *             Needs TX_CSUM.
 *   RX_CSUM   a received frame may come with DATA_VALID (the host checked
 *             its TCP/UDP checksum) or NEEDS_CSUM (it came from the host
 *             itself, never crossed a wire, and its checksum field holds
 *             only the pseudo-header sum: treat it as valid).
 *   RX_TSO4   received frames may be coalesced TCP/IPv4 segments of up to
 *             65535 IP bytes (gso_type TCPV4; gso_size the size of the
 *             segments that were joined): the read buffers must hold
 *             PLATFORM_NET_FRAME_MAX bytes. Needs RX_CSUM.
 *   TX_SG     a frame sent may come in pieces (frame.iov, frame.n_iov: at
 *             most PLATFORM_NET_IOV_MAX), the frame being their
 *             concatenation and frame.len their total; frame.data is then
 *             unused. The pieces need stay valid only until write_batch
 *             returns. So bytes that lie elsewhere (an asset in the image)
 *             reach the host without being gathered into one buffer first.
 *
 * A target validates nothing in the meta of received frames beyond its
 * own format: the caller checks csum_start / csum_offset against the frame
 * and drops (and counts) frames whose meta does not fit.
 */
#define PLATFORM_NET_OFF_TX_CSUM 0x1u
#define PLATFORM_NET_OFF_TX_TSO4 0x2u
#define PLATFORM_NET_OFF_RX_CSUM 0x4u
#define PLATFORM_NET_OFF_RX_TSO4 0x8u
#define PLATFORM_NET_OFF_TX_SG 0x10u

/* A piece of a frame sent with TX_SG. */
struct platform_iov {
	const void *base;
	size_t len;
};
#define PLATFORM_NET_IOV_MAX 32

/* The largest frame with offloads on: a 65535-byte IP packet in an
 * Ethernet frame. */
#define PLATFORM_NET_FRAME_MAX (65535 + 14)

#define PLATFORM_NET_META_NEEDS_CSUM 0x1 /* see TX_CSUM and RX_CSUM */
#define PLATFORM_NET_META_DATA_VALID 0x2 /* see RX_CSUM */
/* A received frame whose offload header from the host did not fit its
 * format (a target that checks one, e.g. virtio-net's): the caller drops
 * it and counts it with the frames of bad metadata. */
#define PLATFORM_NET_META_BAD 0x80

#define PLATFORM_NET_GSO_NONE 0
#define PLATFORM_NET_GSO_TCPV4 1

/* Offload metadata of one frame. All zero: a plain frame, complete with
 * its checksums, no larger than mtu + 14 bytes. */
struct platform_net_meta {
	uint8_t flags;        /* PLATFORM_NET_META_* */
	uint8_t gso_type;     /* PLATFORM_NET_GSO_* */
	uint16_t hdr_len;     /* header bytes before the payload (GSO) */
	uint16_t gso_size;    /* payload bytes per segment (GSO) */
	uint16_t csum_start;  /* frame offset where the sum starts */
	uint16_t csum_offset; /* checksum field, from csum_start */
};

/* Acquire the network device called name. PLATFORM_ENOENT if the host
 * configured no such device. A device can be acquired once; acquiring it
 * again is PLATFORM_EINVAL. */
enum platform_result platform_net_acquire(const char *name, platform_handle *h,
                                          struct platform_net_info *info);

/*
 * Receive one Ethernet frame into buf (size bytes). On PLATFORM_OK *len
 * holds the frame's length. PLATFORM_AGAIN: no frame is pending. A frame
 * larger than size is dropped and PLATFORM_EINVAL returned.
 */
enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len);

/* Send one Ethernet frame (at most mtu + 14 bytes). PLATFORM_OK once the
 * platform has taken it; it reaches the host at the latest when the caller
 * next yields, and may still be dropped later, like a wire (a target that
 * defers frames counts such drops where the host can see them). */
enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len);

/*
 * Turn on the offloads in want (a subset of platform_net_info.offloads;
 * 0 turns all off). PLATFORM_EINVAL for one the device does not offer.
 * Call it before the first frame is read or written.
 */
enum platform_result platform_net_offload(platform_handle h, uint32_t want);

/* One frame of a batch: data points to the buffer; size is its capacity
 * (for reads); len is the frame length (filled in by reads, read by
 * writes). meta is the frame's offload metadata: read by writes (it must
 * be all zero unless offloads are on); on reads the caller zeroes it and a
 * target with receive offloads on fills it in. */
struct platform_frame {
	void *data;
	size_t size;
	size_t len;
	struct platform_net_meta meta;
	/* Writes with TX_SG on: the frame's pieces (n_iov 0: the frame is
	 * data). Reads leave them alone. */
	const struct platform_iov *iov;
	unsigned n_iov;
};

/*
 * Batch variants, so a target can reach its host once for several frames.
 * read_batch fills up to n frames and returns how many (0 when none is
 * pending); write_batch sends up to n frames and returns how many were
 * taken (fewer than n only if the platform or host is congested). A negative
 * return is a negated enum platform_result.
 */
int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned n);
int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames, unsigned n);

/* ----------------------------------------------------------------- block */

struct platform_block_info {
	uint64_t capacity;    /* bytes; a multiple of sector_size */
	uint32_t sector_size; /* bytes; a power of two, at least 512 */
};

/* Acquire the block device called name and learn its geometry.
 * PLATFORM_ENOENT if the host configured no such device. A device can be
 * acquired once; acquiring it again is PLATFORM_EINVAL. */
enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info);

/*
 * Read or write size bytes at byte offset. Both must be multiples of the
 * sector size, and the range must lie inside the device (else
 * PLATFORM_EINVAL). Synchronous: on return the data is in buf (read), or
 * handed to the host (write). A write is durable only after a later
 * platform_block_flush() returns PLATFORM_OK.
 */
enum platform_result platform_block_read(platform_handle h, uint64_t offset,
                                         void *buf, size_t size);
enum platform_result platform_block_write(platform_handle h, uint64_t offset,
                                          const void *buf, size_t size);
enum platform_result platform_block_flush(platform_handle h);

/* --------------------------------------------------------- shared memory */

/*
 * Pages shared with one peer on the same host (another unikernel, or a
 * host program), with a doorbell, for lib/vchan's rings. The peer is named
 * as the host configures it: on xen a domain id in decimal ("0" is dom0);
 * on hvt and unix the peer name of a --vchan link (docs/vchan.md). A
 * target without shared memory answers PLATFORM_EUNSUPPORTED.
 *
 * The offering side:
 *   platform_shm_offer()    zeroed pages the peer may map, and a doorbell;
 *                           refs[i] is how the peer names page i;
 *   ... it writes what the peer must find there (lib/vchan's control
 *   page, which lists the refs of the other pages) ...
 *   platform_shm_publish()  lets the peer find the offer under a name.
 * The finding side:
 *   platform_shm_find()     looks a published offer up and maps its first
 *                           page and its doorbell (PLATFORM_AGAIN while
 *                           nothing is published under that name: look
 *                           again later);
 *   platform_shm_map()      maps more of the offer's pages, named by the
 *                           refs the offering side wrote down.
 * Both sides: platform_shm_notify() rings the peer's doorbell;
 * platform_yield() reports the handle ready once the peer rang it, or
 * when something about the peer changed (it went away) -- a report may be
 * spurious, so the caller looks at the pages to see what happened;
 * platform_shm_peer_gone() says whether the peer is certainly gone (its
 * process or domain ended); platform_shm_close() gives everything back.
 *
 * The peer can write the shared pages at any time, with anything: code
 * that reads them copies each value once and then checks it. Handles are
 * device handles (the space of net and block, reported by yield); a
 * closed handle may be given out again.
 */
#define PLATFORM_SHM_MAX_PAGES 1024 /* pages of one offer */
#define PLATFORM_SHM_NAME_MAX 63    /* bytes of a peer or port name */

/* Offer peer `pages` zeroed pages (1..PLATFORM_SHM_MAX_PAGES),
 * contiguous at *mem; refs (`pages` entries) receives their references.
 * PLATFORM_ENOENT: no such peer; PLATFORM_EINVAL: a bad count or name;
 * PLATFORM_EUNSPEC: no room (pages, handles or doorbells). */
enum platform_result platform_shm_offer(const char *peer, unsigned pages,
                                        platform_handle *h, void **mem,
                                        uint32_t *refs);

/* Publish offer h under port (1..PLATFORM_SHM_NAME_MAX bytes). The
 * target defines how names look (xen: a path in xenstore, or a word; see
 * docs/vchan.md); PLATFORM_EINVAL for one it cannot take. */
enum platform_result platform_shm_publish(platform_handle h, const char *port);

/* Find what peer published under port: *first is its first page, mapped
 * read-write, and h its doorbell. PLATFORM_AGAIN: nothing is published
 * there (yet); PLATFORM_ENOENT: no such peer; PLATFORM_EUNSPEC: it is
 * published but could not be mapped (details logged). */
enum platform_result platform_shm_find(const char *peer, const char *port,
                                       platform_handle *h, void **first);

/* Map n (1..PLATFORM_SHM_MAX_PAGES) more pages of the offer found as h,
 * read-write and contiguous at *mem, given their refs. PLATFORM_EINVAL
 * for refs the target cannot map (a target may require references that
 * follow each other, as its own offers' do). Mapped until close. */
enum platform_result platform_shm_map(platform_handle h, const uint32_t *refs,
                                      unsigned n, void **mem);

/* Ring the peer's doorbell. It reaches the peer at the latest when the
 * caller next yields. */
void platform_shm_notify(platform_handle h);

/* True once the peer is certainly gone: its process or domain ended, or
 * it can no longer be reached through h. Cheap enough to call often. */
bool platform_shm_peer_gone(platform_handle h);

/* Unmap and stop sharing; the handle is free afterwards. Pages the peer
 * still maps are not reused while it does. */
void platform_shm_close(platform_handle h);

/* ---------------------------------------------------------------- memory */

/*
 * Turn the 4 KiB page at page (page-aligned, inside the heap) into a guard
 * page (guard = true: any access faults and the target reports it) or back
 * into ordinary read-write memory (guard = false). Used for fiber stacks.
 * PLATFORM_EUNSUPPORTED where the target cannot; callers then go on
 * without the guard.
 */
enum platform_result platform_guard_page(void *page, bool guard);

/* --------------------------------------------------------------- entropy */

/*
 * Fill buf with len bytes (at most PLATFORM_ENTROPY_MAX) from the best
 * source of randomness the target has, for seeding keys (the TCP ISN key,
 * a CSPRNG), not for bulk use:
 *   unix     the host's getrandom()
 *   hvt      the host's getrandom(), through the monitor
 *   virtio   a virtio-rng device, XORed with RDSEED, else RDRAND, when
 *            CPUID says the CPU has it; either alone when the other is
 *            missing
 *   xen      RDSEED, else RDRAND, when CPUID says the CPU has it
 *   arm64    a virtio-rng device, XORed with RNDR (ARMv8.5 FEAT_RNG) when
 *            ID_AA64ISAR0_EL1 says the CPU has it; either alone
 *   rpi3     the BCM2835 hardware random number generator
 * PLATFORM_OK: all len bytes came from that source. PLATFORM_EUNSUPPORTED:
 * the target (or this CPU) has no source; PLATFORM_EUNSPEC: the source
 * kept failing. In both cases the contents of buf are unspecified and the
 * caller must fall back on what it has (clocks, jitter). PLATFORM_EINVAL:
 * len is above PLATFORM_ENTROPY_MAX. Never blocks for long, but may take
 * microseconds per word: call it at start-up, not per packet.
 */
#define PLATFORM_ENTROPY_MAX 256
enum platform_result platform_entropy(void *buf, size_t len);
/* What platform_entropy() draws from on this machine, for messages: e.g.
 * "getrandom", "virtio-rng+rdseed", "rndr"; "none" when it has nothing
 * (it then answers PLATFORM_EUNSUPPORTED). May ask the source once. */
const char *platform_entropy_source(void);

/* ------------------------------------------------------------------ exit */

/* End the unikernel with status (0..255). Console output is flushed. */
_Noreturn void platform_exit(int status);

/* End the unikernel abnormally, reporting why (one line, no newline
 * needed). The host reports it and exits non-zero (255 on hvt). */
_Noreturn void platform_abort(const char *why);

#endif /* KILN_PLATFORM_H */
