/*
 * monitor/hvt/hvt.h - kiln-hvt's internal interfaces.
 *
 * kiln-hvt runs one unikernel image on one KVM vCPU. main.c parses the
 * options and reads the image; layout.c plans guest memory and writes the
 * page tables, GDT, IDT, TSS and boot info; kvm.c creates the VM and runs
 * the vCPU; hypercall.c serves the guest's port writes; fault.c explains
 * guest faults; seccomp.c confines the process; block.c and net.c are the
 * devices, netio.c the I/O thread that serves tap devices' frame areas
 * while the guest runs.
 */
#ifndef KILN_HVT_H
#define KILN_HVT_H

#include "elf.h"
#include "hvt_abi.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HVT_PAGE 4096ull
#define HVT_BOOT_STACK_SIZE (128ull * 1024)
#define HVT_HEAP_MIN (64ull * 1024)
#define HVT_MAX_NET 4
#define HVT_MAX_BLOCK 4
/* Platform handles: net device i is handle i, block device i is 8 + i. */
#define HVT_NET_HANDLE(i) (i)
#define HVT_BLOCK_HANDLE(i) (8 + (i))

/* The TSS (at HVT_GDT + 0x100): 104 bytes, then the I/O permission bitmap
 * up to the hypercall ports, then the 0xff byte the CPU requires. The CPU
 * checks one bit per byte accessed, so the 4-byte outl to the last call's
 * port needs the three ports above it open too (the monitor refuses calls
 * to those). */
#define HVT_PORT_COUNT 24
_Static_assert(HVT_CALL_COUNT + 3 <= HVT_PORT_COUNT, "outl to every call");
#define HVT_TSS_IOMAP 104
#define HVT_TSS_LIMIT                                                          \
	(HVT_TSS_IOMAP + (HVT_PORT_BASE + HVT_PORT_COUNT) / 8 + 1 - 1)

/* A range of guest addresses [lo, hi). */
struct hvt_range {
	uint64_t lo, hi;
};

#define HVT_MAX_RANGES (HVT_ELF_MAX_SEGMENTS + 4)

/* Where everything goes in guest memory (all page-aligned). */
struct hvt_layout {
	uint64_t mem_size;
	uint64_t image_limit; /* segments must end below this */
	uint64_t heap_start, heap_end;
	uint64_t stack_lo, stack_top; /* boot stack; a guard page each side */
	uint64_t pt_base;             /* one 8-byte PTE per 4 KiB page */
	uint64_t pd_base, pdpt, pml4;
	uint64_t npt, npd;
	/* What the guest may hand to hypercalls: readable = every user page,
	 * writable = the user pages it can write itself. Merged, sorted. */
	struct hvt_range readable[HVT_MAX_RANGES], writable[HVT_MAX_RANGES];
	unsigned nreadable, nwritable;
};

struct hvt_block {
	int fd;
	uint64_t capacity;
	char name[HVT_NAME_MAX];
	bool acquired;
};

struct host_usernet;
struct host_net_opt;

struct hvt_net {
	int fd;                    /* tap, or -1 */
	struct host_usernet *user; /* user-mode networking, or NULL */
	uint8_t mac[6];
	uint16_t mtu;
	char name[HVT_NAME_MAX];
	bool acquired;
	bool vnet; /* the tap carries vnet headers (offload metadata) */
	uint32_t offloads_can; /* PLATFORM_NET_OFF_* the device can do */
	uint32_t offloads;     /* the ones the guest turned on */
	/* The guest's frame area (checked at acquire), or NULL, and the
	 * monitor's own indices into its rings (netring.h). */
	struct hvt_net_area *area;
	uint32_t tx_cons, rx_prod;
	bool rx_more; /* the last fill stopped on a full ring, not EAGAIN */
	/* The area is served by the I/O thread (netio.c; taps only): its
	 * rings, the indices above, offloads and the tap's frames are then
	 * touched only with lock held. */
	bool served;
	bool tx_congested; /* the tap refused a frame: wait for POLLOUT */
	pthread_mutex_t lock;
};

struct hvt_stats {
	uint64_t exits;
	uint64_t calls[HVT_CALL_COUNT];
	uint64_t tx_frames, rx_frames;   /* moved through frame areas */
	uint64_t tx_dropped, rx_dropped; /* refused by the host, too long */
	uint64_t bad_frames; /* bad lengths or metadata from the guest */
	uint64_t waits, waits_skipped; /* ppoll()s, and yields without */
	uint64_t io_wakes; /* the I/O thread's sleeps (tx.idle set) */
	uint64_t io_aside; /* its sleeps while the vCPU waited */
};
/* Counters the I/O thread adds to as well. */
#define HVT_STAT_ADD(h, field, n)                                              \
	__atomic_fetch_add(&(h)->st.field, (n), __ATOMIC_RELAXED)

struct hvt {
	const char *image_path;
	struct hvt_layout lay;
	struct hvt_image img;
	uint8_t *mem; /* guest memory, mem_size bytes */
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	uint64_t tsc_hz;
	bool quiet;       /* drop guest console output */
	bool stats;       /* print exit counts at the end */
	bool io_thread;   /* --io-thread: serve taps' areas (netio.c) */
	bool no_entropy;  /* answer the entropy call "unsupported" (the test
	                     build's KILN_HVT_NO_ENTROPY) */
	bool usernet;     /* some --net user: seccomp allows what slirp needs */
	unsigned reports; /* guest errors reported so far */
	struct hvt_block block[HVT_MAX_BLOCK];
	unsigned nblock;
	struct hvt_net net[HVT_MAX_NET];
	unsigned nnet;
	struct hvt_stats st;
};

/* layout.c */
int hvt_layout_plan(struct hvt_layout *lay, uint64_t mem_size);
int hvt_layout_build(struct hvt *h, const char *cmdline);

/* kvm.c */
int hvt_kvm_open(struct hvt *h);
int hvt_kvm_setup(struct hvt *h);
_Noreturn void hvt_kvm_run(struct hvt *h);

/* hypercall.c */
extern const char *const hvt_call_names[HVT_CALL_COUNT];
void hvt_hypercall(struct hvt *h, unsigned nr, uint32_t arg);
/* Copy call nr's argument struct (size bytes at guest address arg) out of
 * the guest; false (after a report) when the address is bad. */
bool hvt_get_arg(struct hvt *h, unsigned nr, uint32_t arg, void *out,
                 size_t size);
/* Copy it back (only after hvt_get_arg succeeded for arg and size). */
void hvt_put_arg(struct hvt *h, uint32_t arg, const void *in, size_t size);
/* A host pointer for len bytes of guest memory at addr, or NULL when the
 * range is not entirely inside what the guest may read (or write). */
void *hvt_guest_ptr(struct hvt *h, uint64_t addr, uint64_t len, bool write);

/* fault.c */
_Noreturn void hvt_report_fault(struct hvt *h, const struct hvt_fault *f);
_Noreturn void hvt_report_vcpu(struct hvt *h, const char *what);

/* seccomp.c */
int hvt_seccomp(struct hvt *h);

/* block.c */
int hvt_block_add(struct hvt *h, const char *path);
void hvt_block_call(struct hvt *h, unsigned nr, uint32_t arg);
/* Copy a device name (NUL-terminated, < HVT_NAME_MAX) out of the guest
 * into out; NULL when the address or length is bad. */
const char *hvt_guest_name(struct hvt *h, uint64_t addr, char *out);

/* net.c */
int hvt_net_add(struct hvt *h, const struct host_net_opt *opt);
void hvt_net_call(struct hvt *h, unsigned nr, uint32_t arg);
/* The yield: wait up to timeout_ns (INT64_MAX: no limit) for input on an
 * acquired device; returns the set of ready handles. */
uint64_t hvt_net_wait(struct hvt *h, int64_t timeout_ns);

/* Make the wait's poll set large enough up front (no allocation once
 * seccomp is on). */
void hvt_net_reserve(void);

/* Send what every frame area holds (at the guest's exit). */
void hvt_net_flush_all(struct hvt *h);

/* netio.c: the I/O thread that serves the frame areas of tap devices
 * (hvt_abi.h, HVT_NET_F_SERVED). Started before seccomp (which then
 * covers it too) when a tap device exists; false when there is none. */
int hvt_netio_start(struct hvt *h);
bool hvt_netio_running(void);
/* Wake the thread (it sleeps when idle): frames queued, offloads
 * changed, an area acquired. */
void hvt_netio_kick(void);
/* Whether the thread sleeps now. */
bool hvt_netio_idle(void);
/* The vCPU thread's wait in the yield, while which the thread stands
 * aside (the yield moves the frames itself), and its end, which wakes a
 * sleeping thread. */
void hvt_netio_wait_begin(void);
void hvt_netio_wait_end(void);
/* A ring fault the thread found: reported by the vCPU thread (which the
 * thread interrupts with a signal and KVM's immediate_exit). Returns
 * only when there is none. */
void hvt_netio_check(struct hvt *h);
/* One pass over a served device (net.c, under its lock): the frames
 * sent and received; *ring set (with why) when the guest broke one. */
unsigned hvt_net_serve(struct hvt *h, struct hvt_net *n, const char **ring,
                       char *why, size_t whylen);
/* KVM_RUN was interrupted: stop requested, ring fault, stats (kvm.c). */
void hvt_net_interrupted(struct hvt *h);

/* vchan.c: the --vchan links (docs/vchan.md). Setup rendezvouses on
 * every link (before KVM); map adds the windows' memory slots; tables
 * writes their page-table entries (after the layout is built). */
struct host_options;
struct host_pollset;
int hvt_vchan_setup(struct hvt *h, const struct host_options *o);
bool hvt_vchan_links(void);
int hvt_vchan_map(struct hvt *h);
void hvt_vchan_tables(struct hvt *h);
void hvt_vchan_call(struct hvt *h, uint32_t arg);
/* The yield: ring the guest's doorbells (flush), poll the links; the
 * channel handles to report ready. */
void hvt_vchan_flush(struct hvt *h);
void hvt_vchan_poll_fill(struct hvt *h, struct host_pollset *ps);
uint64_t hvt_vchan_poll_done(struct hvt *h, const struct host_pollset *ps,
                             int r);
/* Link i's listening socket when this monitor created it, else -1. */
int hvt_vchan_listen_fd(unsigned i);

/* usernet.c: host/usernet.h's functions, from bin/kiln-hvt-usernet.so,
 * which the first hvt_usernet_new() loads. */
struct host_pollset;
struct host_usernet *hvt_usernet_new(const struct host_net_opt *net, char *err,
                                     size_t errlen);
void hvt_usernet_send(struct host_usernet *u, const void *frame, size_t len);
long hvt_usernet_recv(struct host_usernet *u, void *buf, size_t size);
bool hvt_usernet_pending(const struct host_usernet *u);
void hvt_usernet_poll_fill(struct host_usernet *u, struct host_pollset *ps,
                           int64_t *timeout_ns);
void hvt_usernet_poll_done(struct host_usernet *u,
                           const struct host_pollset *ps, int poll_result);

/* main.c */
_Noreturn void hvt_exit(struct hvt *h, int status);
/* Print the exit and frame counters on stderr. */
void hvt_print_stats(const struct hvt *h);
/* Set by SIGUSR1: kvm.c prints the counters at the next exit. */
extern volatile int hvt_stats_wanted;
void hvt_guest_error(struct hvt *h, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif /* KILN_HVT_H */
