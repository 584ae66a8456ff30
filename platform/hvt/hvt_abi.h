/*
 * platform/hvt/hvt_abi.h - the contract between kiln-hvt (the KVM monitor)
 * and the hvt platform layer inside the guest.
 *
 * Included by both sides, so it uses only fixed-width types and no
 * pointers: every address is a guest-physical address, which on hvt is
 * also the guest-virtual address (the monitor identity-maps memory).
 *
 * Memory layout (docs/hvt.md draws it):
 *
 *   0x0000 .. 0x0fff   unmapped (catches NULL)
 *   HVT_GDT            GDT and TSS              supervisor, read-write
 *   HVT_IDT            IDT                      supervisor, read-only
 *   HVT_SUPER_DATA     struct hvt_super_data    supervisor, read-write
 *   HVT_SUPER_CODE     supervisor code          supervisor, read+execute
 *   HVT_IST_STACK      exception stack          supervisor, read-write
 *   HVT_BOOT_INFO      struct hvt_boot_info     user, read-only
 *   HVT_IMAGE_MIN ..   the image's segments     user, W^X from the ELF
 *   image end ..       heap                     user, read-write, no-exec
 *   guard, boot stack, guard                    user, read-write, no-exec
 *   top of memory      page tables              supervisor, read-write
 *   HVT_VCHAN_BASE ..  the --vchan windows      user, read-write, no-exec
 *
 * Hypercalls: the guest runs at CPL 3 with IOPL 3 and executes
 *   outl %eax, $(HVT_PORT_BASE + HVT_CALL_x)
 * with eax = the guest address of the call's argument struct below. The
 * monitor reads the struct, checks every address and length in it, does
 * the work, writes the results back into the struct and resumes the guest.
 */
#ifndef KILN_HVT_ABI_H
#define KILN_HVT_ABI_H

#define HVT_PAGE_SIZE 4096

/* Fixed guest addresses of the monitor-built structures. */
#define HVT_GDT 0x1000
#define HVT_IDT 0x2000
#define HVT_SUPER_DATA 0x3000
#define HVT_SUPER_CODE 0x4000
#define HVT_IST_GUARD 0x5000 /* left unmapped */
#define HVT_IST_STACK 0x6000 /* two pages */
#define HVT_IST_TOP 0x8000
#define HVT_BOOT_INFO 0x8000
#define HVT_IMAGE_MIN 0x100000 /* lowest address a segment may use */
/* The --vchan windows: link i's at HVT_VCHAN_BASE + i * HVT_VCHAN_STRIDE,
 * above all of memory, mapped with 2 MiB pages through the page
 * directory at HVT_VCHAN_PD (an otherwise unused page below the image). */
#define HVT_VCHAN_BASE 0xc0000000ull
#define HVT_VCHAN_STRIDE (64ull << 20)
#define HVT_VCHAN_PD 0xf000

/* Guest memory is at most this (pointers in hypercalls are 32-bit). */
#define HVT_MEM_MAX (3ull << 30)
#define HVT_MEM_MIN (2ull << 20)

/* Segment selectors of the GDT the monitor builds. */
#define HVT_SEL_KCODE 0x08
#define HVT_SEL_KDATA 0x10
#define HVT_SEL_UDATA 0x1b /* 0x18 | RPL 3 */
#define HVT_SEL_UCODE 0x23 /* 0x20 | RPL 3 */
#define HVT_SEL_TSS 0x28

/*
 * Supervisor calls: CPL 3 executes ud2 followed by the marker bytes "KS"
 * (0f 0b 4b 53, read as the little-endian word below); the #UD handler
 * recognises the sequence, does the call and resumes after it. The same
 * call is also reachable as "int $HVT_SUPER_VECTOR" (a DPL 3 gate) on KVMs
 * that deliver software interrupts to the guest.
 */
#define HVT_SUPER_CALL_INSN 0x534b0b0f
#define HVT_SUPER_VECTOR 0x80
/* Supervisor call numbers (in rax; arguments in rdi, rsi). */
#define HVT_SUPER_GUARD_PAGE 1 /* rdi = page, rsi = 1 guard / 0 unguard */

/* Hypercall ports. */
#define HVT_PORT_BASE 0x500
#define HVT_CALL_CONSOLE 0       /* struct hvt_console */
#define HVT_CALL_WALLTIME 1      /* struct hvt_walltime */
#define HVT_CALL_YIELD 2         /* struct hvt_yield */
#define HVT_CALL_NET_ACQUIRE 3   /* struct hvt_net_acquire */
#define HVT_CALL_NET_READ 4      /* struct hvt_net_batch */
#define HVT_CALL_NET_WRITE 5     /* struct hvt_net_batch */
#define HVT_CALL_BLOCK_ACQUIRE 6 /* struct hvt_block_acquire */
#define HVT_CALL_BLOCK_READ 7    /* struct hvt_block_io */
#define HVT_CALL_BLOCK_WRITE 8   /* struct hvt_block_io */
#define HVT_CALL_BLOCK_FLUSH 9   /* struct hvt_block_io (handle only) */
#define HVT_CALL_EXIT 10         /* struct hvt_exit */
#define HVT_CALL_ABORT 11        /* struct hvt_abort */
#define HVT_CALL_FAULT 12        /* struct hvt_fault; CPL 0 only */
#define HVT_CALL_NET_FLUSH 13    /* struct hvt_net_flush */
#define HVT_CALL_ENTROPY 14      /* struct hvt_entropy */
#define HVT_CALL_SHM 15          /* struct hvt_shm */
#define HVT_CALL_NET_OFFLOAD 16  /* struct hvt_net_offload */
#define HVT_CALL_COUNT 17

/* Results, written by the monitor into each struct's result field. They
 * are the values of enum platform_result. */
#define HVT_OK 0
#define HVT_AGAIN 1
#define HVT_EINVAL 2
#define HVT_EUNSPEC 3
#define HVT_ENOENT 4
#define HVT_EUNSUPPORTED 5

/* Offsets into struct hvt_super_data, for supervisor.S. */
#define HVT_SD_HEAP_START 0
#define HVT_SD_HEAP_END 8
#define HVT_SD_PT_BASE 16
#define HVT_SD_PD_BASE 24
#define HVT_SD_FAULT 32

#ifndef __ASSEMBLER__
#include <stdint.h>

/* ------------------------------------------------------------- boot info */

#define HVT_BOOT_MAGIC 0x6b696c6e68767431ll /* "kilnhvt1" */
#define HVT_CMDLINE_MAX 3072

/* At HVT_BOOT_INFO; its address is also in rdi at entry. */
struct hvt_boot_info {
	uint64_t magic;
	uint64_t mem_size;   /* bytes of guest memory */
	uint64_t heap_start; /* page-aligned */
	uint64_t heap_size;
	uint64_t stack_top; /* the boot stack (rsp at entry is just below) */
	uint64_t tsc_hz;    /* TSC ticks per second */
	/* Nanoseconds = (ticks * tsc_mult) >> 32; the guest counts ticks
	 * from its first rdtsc. RDTSC works at CPL 3 (CR4.TSD is clear). */
	uint64_t tsc_mult;
	int64_t wall_ns; /* wall clock just before entry */
	uint32_t flags;  /* HVT_BOOT_* */
	uint32_t pad;
	char cmdline[HVT_CMDLINE_MAX]; /* NUL-terminated */
};
#define HVT_BOOT_GUARD_PAGES 1u /* the supervisor call works */

/* ------------------------------------------------- supervisor-only data */

/* At HVT_SUPER_DATA. Written by the monitor at boot (heap bounds, page
 * table base) and by the supervisor when it reports a fault. */
struct hvt_fault {
	uint64_t vector;
	uint64_t error_code; /* 0 when the vector has none */
	uint64_t cr2;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};

struct hvt_super_data {
	uint64_t heap_start; /* guard pages may only be set in here */
	uint64_t heap_end;
	uint64_t pt_base; /* the 4 KiB page-table entries, one per page */
	uint64_t pd_base; /* the page-directory entries, one per 2 MiB */
	struct hvt_fault fault;
};

/* ------------------------------------------------------- call arguments */

struct hvt_console {
	uint64_t data;
	uint64_t len;
};

struct hvt_walltime {
	int64_t ns; /* out: nanoseconds since the epoch */
};

/* Random bytes from the host's getrandom (platform_entropy). */
#define HVT_ENTROPY_MAX 256
struct hvt_entropy {
	uint64_t data;   /* in: guest buffer, written by the monitor */
	uint64_t len;    /* in: bytes wanted, at most HVT_ENTROPY_MAX */
	uint32_t result; /* out: HVT_OK, HVT_EINVAL, HVT_EUNSPEC, or
	                    HVT_EUNSUPPORTED (no entropy to give) */
	uint32_t pad;
};

/*
 * The yield also moves the frames of every device acquired with an area
 * (struct hvt_net_area below): before waiting, the monitor transmits the
 * frames queued in each transmit ring; after waiting, it fills each
 * receive ring with the frames that arrived. A device is ready when its
 * receive ring holds unread frames. The monitor does not wait at all when
 * some receive ring already does.
 */
/* The top bit of hvt_yield.ready: kiln-hvt got SIGTERM or SIGINT (the
 * platform's PLATFORM_STOP). */
#define HVT_READY_STOP (1ull << 63)

struct hvt_yield {
	int64_t timeout_ns; /* in: how long at most; <= 0 polls */
	uint64_t ready;     /* out: set of device handles with input, and
	                       HVT_READY_STOP once the host asked to stop */
};

#define HVT_NAME_MAX 32

struct hvt_net_acquire {
	uint64_t name;     /* in: NUL-terminated, < HVT_NAME_MAX bytes */
	uint32_t handle;   /* out */
	uint32_t result;   /* out: HVT_OK, HVT_ENOENT, HVT_EINVAL */
	uint8_t mac[6];    /* out */
	uint16_t mtu;      /* out */
	uint32_t offloads; /* out: PLATFORM_NET_OFF_* the device can do
	                      (only with an area; all off until
	                      HVT_CALL_NET_OFFLOAD turns them on) */
	uint32_t features; /* out: HVT_NET_F_* (only with an area) */
	/* in: guest address of the device's struct hvt_net_area, or 0 to
	 * move frames with HVT_CALL_NET_READ/WRITE only. The whole area
	 * must be guest-writable, else HVT_EINVAL. */
	uint64_t area;
};

/* Turn on the offloads in want (a subset of hvt_net_acquire.offloads;
 * TX_TSO4 needs TX_CSUM, RX_TSO4 needs RX_CSUM; 0 turns all off). The
 * device must have an area. HVT_OK, HVT_EINVAL, or HVT_EUNSPEC when the
 * host refused. */
struct hvt_net_offload {
	uint32_t handle;
	uint32_t want;
	uint32_t result; /* out */
	uint32_t pad;
};

/*
 * A device's frame area: two byte rings in guest memory, one each way,
 * of records (struct hvt_net_rec, then the frame, padded to
 * HVT_NET_REC_ALIGN). Each ring has one producer and one consumer: the
 * guest produces into tx and consumes rx, the monitor the reverse.
 * prod and cons count bytes from acquire (free-running, modulo 2^32);
 * a record starts at data[prod % HVT_NET_RING_SIZE] and never crosses
 * the end of data: a producer that cannot fit one there writes a record
 * of len HVT_NET_REC_WRAP and goes on at data[0]. prod - cons is at most
 * HVT_NET_RING_SIZE and a multiple of HVT_NET_REC_ALIGN. Each side writes
 * only its own index, after the records it covers (release), and reads
 * the other's before the records (acquire).
 *
 * The monitor keeps its own copy of its index and treats the guest's
 * index, and every record the guest wrote, as hostile: an index that
 * breaks the rules above, or a record that overruns the ring or the
 * device's frame size, is a guest fault (reported, the guest ended).
 * Offload metadata the guest may not use (an offload not turned on, a
 * checksum position outside the frame, an unknown flag or GSO type) is
 * refused frame by frame: dropped, reported and counted.
 *
 * Frames are at most mtu + 14 bytes, or PLATFORM_NET_FRAME_MAX (65549)
 * with the segmentation offload of their direction on. The metadata is
 * include/kiln/platform.h's struct platform_net_meta (virtio-net's header
 * without num_buffers), all zero without offloads. Frames longer than the
 * receive limit are dropped (and counted) by the monitor.
 *
 * Transmit: the guest appends records; the monitor sends them in order at
 * the next yield, HVT_CALL_NET_FLUSH or HVT_CALL_EXIT; frames the host is
 * too congested to take stay in the ring for the next time.
 * Receive: the monitor appends what arrived while the ring has room for a
 * largest frame; the guest reads from cons.
 *
 * Served rings (HVT_NET_F_SERVED in hvt_net_acquire.features; taps, with
 * kiln-hvt --io-thread): the monitor's I/O thread moves frames both ways
 * while the guest runs, so neither direction needs an exit. The thread
 * polls while busy and sleeps when idle; it sets tx.idle before it sleeps
 * and then checks
 * tx.prod once more (a full barrier between), so a guest that publishes
 * tx.prod, then (full barrier) finds tx.idle 0 may leave its frames to
 * the thread; finding it set, it exits (the yield or HVT_CALL_NET_FLUSH
 * wake the thread or send them). Received frames appear in rx at any
 * time; a guest blocked in the yield is woken when they do.
 */
#define HVT_NET_F_SERVED 1u
#define HVT_NET_RING_SIZE (1u << 20)
#define HVT_NET_REC_ALIGN 16u
#define HVT_NET_REC_WRAP 0xffffffffu
#define HVT_NET_FRAME_MAX (65535u + 14)
/* Ring bytes a record of a len-byte frame takes. */
#define HVT_NET_REC_SPACE(len)                                                 \
	(16u + (((uint32_t)(len) + HVT_NET_REC_ALIGN - 1) &                    \
	        ~(HVT_NET_REC_ALIGN - 1)))

struct hvt_net_rec {
	uint32_t len;  /* frame bytes after this header, or HVT_NET_REC_WRAP */
	uint8_t flags; /* PLATFORM_NET_META_* */
	uint8_t gso_type; /* PLATFORM_NET_GSO_* */
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t pad;
};

struct hvt_net_ring {
	uint32_t prod; /* producer: bytes written */
	/* rx only, written by the monitor: nonzero when it wants the
	 * guest's next yield to exit (a stop request); cleared by the yield.
	 * (On tx: 0.) */
	uint32_t attn;
	uint32_t pad0[14];
	uint32_t cons; /* consumer: bytes consumed */
	/* tx only, written by the monitor's I/O thread (HVT_NET_F_SERVED):
	 * nonzero while it sleeps; a guest that then publishes frames must
	 * exit (yield or flush) for them to go. (On rx: 0.) */
	uint32_t idle;
	uint32_t pad1[14];
	uint8_t data[HVT_NET_RING_SIZE];
};

struct hvt_net_area {
	struct hvt_net_ring tx; /* guest -> monitor */
	struct hvt_net_ring rx; /* monitor -> guest */
};

/*
 * Where a record of a len-byte frame goes in a ring whose producer is at
 * prod and consumer at cons: true when it fits, with *skip the bytes to
 * pass over first with a wrap record (0 when none). Both sides use it;
 * the monitor with its own prod and the guest's cons.
 */
static inline int hvt_net_ring_room(uint32_t prod, uint32_t cons, uint32_t len,
                                    uint32_t *skip)
{
	uint32_t used = prod - cons, need = HVT_NET_REC_SPACE(len);
	uint32_t tail = HVT_NET_RING_SIZE - (prod % HVT_NET_RING_SIZE);
	*skip = tail < need ? tail : 0;
	return used <= HVT_NET_RING_SIZE &&
	       HVT_NET_RING_SIZE - used >= *skip + need;
}

/* Send a full transmit ring now (one exit), without waiting or receiving. */
struct hvt_net_flush {
	uint32_t handle;
	uint32_t result; /* out: HVT_OK, or HVT_EINVAL (no such area) */
};

/* One frame of a batch. */
struct hvt_frame {
	uint64_t data; /* guest address of the buffer */
	uint64_t size; /* capacity (read) */
	uint64_t len;  /* frame length: out for read, in for write */
};

#define HVT_BATCH_MAX 64

struct hvt_net_batch {
	uint32_t handle;
	uint32_t count;  /* in: frames in the array (<= HVT_BATCH_MAX) */
	uint64_t frames; /* guest address of struct hvt_frame[count] */
	uint32_t done;   /* out: frames read / written */
	uint32_t result; /* out: HVT_OK or an error (done is then 0) */
};

struct hvt_block_acquire {
	uint64_t name;        /* in */
	uint64_t capacity;    /* out: bytes */
	uint32_t sector_size; /* out */
	uint32_t handle;      /* out */
	uint32_t result;      /* out */
	uint32_t pad;
};

struct hvt_block_io {
	uint32_t handle;
	uint32_t result; /* out */
	uint64_t offset; /* bytes; a multiple of the sector size */
	uint64_t data;   /* guest address */
	uint64_t len;    /* bytes; a multiple of the sector size */
};

struct hvt_exit {
	uint64_t status;
};

struct hvt_abort {
	uint64_t msg; /* guest address of the message */
	uint64_t len;
};

/*
 * Shared memory with the peer of a --vchan link (platform_shm_*): one
 * call, the operation in op. Channel handles are HVT_SHM_HANDLE_BASE + i.
 * References are page numbers in the link's window; the window of link l
 * is at HVT_VCHAN_BASE + l * HVT_VCHAN_STRIDE.
 *
 *   HVT_SHM_AREA     addr: the guest's struct hvt_shm_area (once, first)
 *   HVT_SHM_OFFER    peer, count -> handle, addr, first (zeroed pages)
 *   HVT_SHM_PUBLISH  handle, port
 *   HVT_SHM_FIND     peer, port -> handle, addr (the offer's first page);
 *                    HVT_AGAIN while nothing is published there
 *   HVT_SHM_MAP      handle, refs, count -> addr (refs must follow
 *                    each other, in the peer's half of the window)
 *   HVT_SHM_CLOSE    handle
 *
 * Names are NUL-terminated, at most HVT_SHM_NAME_MAX bytes with the NUL.
 */
#define HVT_SHM_AREA 0
#define HVT_SHM_OFFER 1
#define HVT_SHM_PUBLISH 2
#define HVT_SHM_FIND 3
#define HVT_SHM_MAP 4
#define HVT_SHM_CLOSE 5
#define HVT_SHM_HANDLE_BASE 16
#define HVT_SHM_CHANNELS 32
#define HVT_SHM_NAME_MAX 64
#define HVT_SHM_PAGES_MAX 1024

struct hvt_shm {
	uint32_t op;
	uint32_t result; /* out: HVT_OK, HVT_AGAIN, HVT_EINVAL, HVT_EUNSPEC,
	                    HVT_ENOENT */
	uint32_t handle;
	uint32_t count;
	uint64_t peer; /* guest address of a name */
	uint64_t port; /* guest address of a name */
	uint64_t refs; /* guest address of uint32_t[count] */
	uint64_t addr;
	uint32_t first;
	uint32_t pad;
};

/*
 * Doorbells ride on the yield, like frames: the guest sets bit i of
 * notify to ring channel i's peer; the monitor rings them at the next
 * yield (or exit) and clears the bits it took. The monitor sets bit i of
 * gone once channel i's peer has gone (its process ended, or the link is
 * dead); the channel's handle is then ready.
 */
struct hvt_shm_area {
	uint64_t notify; /* guest sets, monitor clears */
	uint64_t gone;   /* monitor writes */
};

#endif /* !__ASSEMBLER__ */
#endif /* KILN_HVT_ABI_H */
