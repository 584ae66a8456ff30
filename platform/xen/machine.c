/*
 * machine.c - the xen target's ring-0 side of the shared x86_64
 * supervisor (platform/x86_64/supervisor.c).
 *
 * At boot, with the early tables still live (machine_map): find Xen's
 * CPUID leaves, have Xen fill the hypercall page, place the shared-info
 * page and the grant table in guest memory, learn the console and
 * xenstore rings from the HVM parameters and map them for user code.
 * Then (machine_setup): the event-channel upcall as an HVM callback
 * vector, VIRQ_TIMER bound for the single-shot timer, the periodic timer
 * off.
 *
 * User code runs with interrupts off and reaches Xen only through this
 * file's supervisor calls: sleep (block in Xen until an event or the
 * deadline), send/allocate/close event channels, grant and end grants,
 * shut down. Each argument is checked here: a grant can only name pages
 * of the app's own data or heap, so user code cannot hand its page tables
 * or the supervisor to another domain.
 *
 * Everything here is ring-0 code: general registers only, kept short.
 */
#include "kernel.h"
RING0_CODE

#include "console.h"
#include "hw.h"
#include "paging.h"
#include "pvclock.h"
#include "startinfo.h"

#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/xen.h>

/* The event-channel upcall's vector: above the APIC fast paths of
 * entry.S (32..48), below the spurious range. */
#define XEN_UPCALL_VECTOR 0xe0
/* The grant table: frames of 512 version-1 entries. Refs below
 * GNTTAB_NR_RESERVED_ENTRIES are the toolstack's. */
#define GRANT_FRAMES 8
#define GRANT_ENTRIES (GRANT_FRAMES * 512)
#define XEN_DEBUG_PORT 0xe9

const char machine_name[] = "xen";
const struct port_range machine_user_ports[] = {{0, 0}};
const unsigned machine_user_port_count = 0;

extern char hypercall_page[];

/* Xen replaces these pages of RAM with its own (XENMEM_add_to_physmap). */
static shared_info_t shared_info_page __attribute__((aligned(4096)));
static grant_entry_v1_t grant_table[GRANT_ENTRIES] KERNEL_BSS
        __attribute__((aligned(4096)));
static uint64_t grant_used[GRANT_ENTRIES / 64] KERNEL_BSS;
static unsigned grant_frames KERNEL_BSS;
static vcpu_info_t *vcpu KERNEL_BSS;
static bool hypercalls_ready KERNEL_BSS;

/* ---------------------------------------------------------- hypercalls */

static long hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	long ret;
	register uint64_t r10 __asm__("r10") = 0;
	register uint64_t r8 __asm__("r8") = 0;
	__asm__ volatile("call *%[entry]"
	                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
	                   "+r"(r8)
	                 : [entry] "r"(hypercall_page + nr * 32)
	                 : "memory", "rcx", "r11");
	return ret;
}

static long evtchn_op(unsigned cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd,
	                 (uint64_t)(uintptr_t)arg, 0);
}

static long hvm_param(unsigned op, unsigned index, uint64_t *value)
{
	struct xen_hvm_param p = {
	        .domid = DOMID_SELF, .index = index, .value = *value};
	long r = hypercall(__HYPERVISOR_hvm_op, op, (uint64_t)(uintptr_t)&p, 0);
	*value = p.value;
	return r;
}

static long add_to_physmap(unsigned space, uint64_t idx, uint64_t gpfn)
{
	struct xen_add_to_physmap a = {
	        .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gpfn};
	return hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap,
	                 (uint64_t)(uintptr_t)&a, 0);
}

static void evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask u = {.port = port};
	evtchn_op(EVTCHNOP_unmask, &u);
}

static void evtchn_send(evtchn_port_t port)
{
	struct evtchn_send s = {.port = port};
	evtchn_op(EVTCHNOP_send, &s);
}

static void shutdown(unsigned reason)
{
	struct sched_shutdown s = {.reason = reason};
	hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
	          (uint64_t)(uintptr_t)&s, 0);
}

/* ------------------------------------------------------------- console */

void machine_console_write(const char *s, size_t n)
{
	/* Xen's debug port prints "(dN) ..." on the hypervisor's console
	 * (with guest_loglvl=all): the only output before the ring is
	 * mapped, and a second copy of every report. */
	for (size_t i = 0; i < n; i++)
		outb(XEN_DEBUG_PORT, (uint8_t)s[i]);
	struct xencons_interface *r =
	        (struct xencons_interface *)(uintptr_t)boot_info.console_ring;
	if (!hypercalls_ready || !r)
		return;
	size_t done = 0;
	for (unsigned spins = 0; done < n && spins < 1000000; spins++) {
		size_t k = xencons_put(r, s + done, n - done);
		done += k;
		if (k)
			evtchn_send(boot_info.console_port);
		else
			cpu_pause();
	}
}

/* The base of Xen's CPUID leaves, 0 if this is not Xen. */
static uint32_t xen_cpuid_base(void)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		uint32_t r[4];
		cpuid(base, 0, r);
		/* "XenVMMXenVMM" */
		if (r[1] == 0x566e6558 && r[2] == 0x65584d4d &&
		    r[3] == 0x4d4d566e && r[0] - base >= 2)
			return base;
	}
	return 0;
}

/* Have Xen fill the hypercall page, before anything else: the memory map
 * may have to come from a hypercall. */
void machine_boot_early(void)
{
	uint32_t base = xen_cpuid_base();
	if (!base)
		supervisor_boot_fail(
		        "not running on Xen (no Xen CPUID leaves); "
		        "this image is for Xen PVH");
	uint32_t r[4];
	cpuid(base + 2, 0, r);
	if (r[0] < 1)
		supervisor_boot_fail("Xen offers no hypercall page");
	wrmsr(r[1], (uint64_t)(uintptr_t)hypercall_page);
	hypercalls_ready = true;
}

/* A start info without a map (a PVH dom0): ask Xen (XENMEM_memory_map). */
bool machine_memory_map(struct pvh_ram *ram, unsigned max, unsigned *count)
{
	static struct {
		uint64_t addr, size;
		uint32_t type;
	} __attribute__((packed)) e820[64] KERNEL_BSS;
	struct xen_memory_map m = {.nr_entries = 64};
	set_xen_guest_handle(m.buffer, (void *)e820);
	if (hypercall(__HYPERVISOR_memory_op, XENMEM_memory_map,
	              (uint64_t)(uintptr_t)&m, 0) != 0)
		return false;
	*count = 0;
	for (unsigned i = 0; i < m.nr_entries && i < 64 && *count < max; i++) {
		if (e820[i].type != 1 || e820[i].size == 0 ||
		    e820[i].addr + e820[i].size < e820[i].addr)
			continue;
		ram[*count].base = e820[i].addr;
		ram[*count].size = e820[i].size;
		(*count)++;
	}
	return true;
}

/* ---------------------------------------------------------------- boot */

/* Map a page the toolstack set up (console, xenstore) for user code. It
 * must not be part of the image, or of the RAM that became the heap. */
static uint64_t map_special_page(uint64_t pfn)
{
	uint64_t a = pfn << 12;
	if (pfn == 0 || a >= (64ull << 30))
		supervisor_boot_fail("a ring page lies outside the tables");
	if (a < (uint64_t)(uintptr_t)__image_end &&
	    a + PAGE_SIZE > (uint64_t)(uintptr_t)__image_start)
		supervisor_boot_fail("a ring page lies inside the image");
	if (a < supervisor_heap_hi && a + PAGE_SIZE > supervisor_heap_lo)
		supervisor_boot_fail("a ring page lies inside the heap");
	supervisor_map(a, a + PAGE_SIZE, PTE_US | PTE_RW | PTE_NX);
	return a;
}

void machine_map(void)
{
	/* The slots for other domains' grants must be clear of RAM. */
	if (supervisor_overlaps_ram(XEN_SHM_BASE, XEN_SHM_SLOTS * PAGE_SIZE))
		supervisor_boot_fail("RAM reaches the grant-mapping slots");
	uint64_t sip = (uint64_t)(uintptr_t)&shared_info_page;
	if (add_to_physmap(XENMAPSPACE_shared_info, 0, sip >> 12) != 0)
		supervisor_boot_fail("cannot map the shared-info page");
	boot_info.shared_info = sip;
	vcpu = &shared_info_page.vcpu_info[0];
	/* User code reads the clocks there. It is writable for it too (one
	 * entry cannot be read-only for CPL 3 and writable for the
	 * supervisor), but it holds only this domain's own event state. */

	uint64_t gt = (uint64_t)(uintptr_t)grant_table;
	for (unsigned i = 0; i < GRANT_FRAMES; i++) {
		if (add_to_physmap(XENMAPSPACE_grant_table, i,
		                   (gt >> 12) + i) != 0)
			break;
		grant_frames = i + 1;
	}
	if (!grant_frames)
		supervisor_boot_fail("cannot map the grant table");

	uint64_t v = 0;
	if (hvm_param(HVMOP_get_param, HVM_PARAM_STORE_PFN, &v) == 0 && v) {
		boot_info.store_ring = map_special_page(v);
		v = 0;
		hvm_param(HVMOP_get_param, HVM_PARAM_STORE_EVTCHN, &v);
		boot_info.store_port = (uint32_t)v;
		boot_info.flags |= BOOT_XEN_STORE;
	}
	v = 0;
	if (hvm_param(HVMOP_get_param, HVM_PARAM_CONSOLE_PFN, &v) == 0 && v) {
		uint64_t ring = map_special_page(v);
		v = 0;
		hvm_param(HVMOP_get_param, HVM_PARAM_CONSOLE_EVTCHN, &v);
		boot_info.console_port = (uint32_t)v;
		boot_info.flags |= BOOT_XEN_CONSOLE;
		/* Set last: machine_console_write uses the ring once the
		 * final tables (which map it) are live. */
		boot_info.console_ring = ring;
	}
}

void machine_setup(void)
{
	supervisor_set_gate(XEN_UPCALL_VECTOR, 0, 0);
	uint64_t via = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 |
	               XEN_UPCALL_VECTOR;
	if (hvm_param(HVMOP_set_param, HVM_PARAM_CALLBACK_IRQ, &via) != 0)
		supervisor_boot_fail("Xen refused the event-channel callback "
		                     "vector");
	vcpu->evtchn_upcall_mask = 0;

	struct evtchn_bind_virq bv = {.virq = VIRQ_TIMER, .vcpu = 0};
	if (evtchn_op(EVTCHNOP_bind_virq, &bv) != 0)
		supervisor_boot_fail("cannot bind the timer's event channel");
	boot_info.timer_port = bv.port;
	evtchn_unmask(bv.port);
	/* One wake-up per deadline, not one every 10 ms. */
	hypercall(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
	if (boot_info.flags & BOOT_XEN_STORE)
		evtchn_unmask(boot_info.store_port);
	if (boot_info.flags & BOOT_XEN_CONSOLE)
		evtchn_unmask(boot_info.console_port);
}

void machine_interrupt(struct trap_frame *f)
{
	if (f->vector != XEN_UPCALL_VECTOR)
		supervisor_fault(f);
	/* Xen raises the callback while evtchn_upcall_pending is set:
	 * clear it, and leave the collecting to the sleep that woke. */
	vcpu->evtchn_upcall_pending = 0;
}

/* --------------------------------------------------------------- events */

/* Move every pending, unmasked port into boot_info.xen_events. Returns
 * how many were found. */
static unsigned collect_events(void)
{
	unsigned found = 0;
	vcpu->evtchn_upcall_pending = 0;
	uint64_t sel = __atomic_exchange_n(&vcpu->evtchn_pending_sel, 0,
	                                   __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned w = (unsigned)__builtin_ctzll(sel);
		sel &= sel - 1;
		uint64_t bits = shared_info_page.evtchn_pending[w] &
		                ~shared_info_page.evtchn_mask[w];
		if (!bits)
			continue;
		__atomic_fetch_and(&shared_info_page.evtchn_pending[w], ~bits,
		                   __ATOMIC_SEQ_CST);
		boot_info.xen_events[w] |= bits;
		found += (unsigned)__builtin_popcountll(bits);
	}
	return found;
}

/* Xen's vcpu_time_info has the pvclock layout (x86_64/pvclock.h). */
_Static_assert(sizeof(vcpu_time_info_t) == sizeof(struct pvclock_time) &&
                       offsetof(vcpu_time_info_t, tsc_to_system_mul) ==
                               offsetof(struct pvclock_time, tsc_to_system_mul),
               "vcpu_time_info is a pvclock page");

static uint64_t system_time(void)
{
	return pvclock_read((const volatile struct pvclock_time *)&vcpu->time);
}

static int64_t sys_sleep(uint64_t deadline)
{
	if (collect_events())
		return 1;
	bool timed = deadline != UINT64_MAX;
	if (timed) {
		if (system_time() >= deadline)
			return 0;
		struct vcpu_set_singleshot_timer t = {.timeout_abs_ns =
		                                              deadline};
		hypercall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0,
		          (uint64_t)(uintptr_t)&t);
	}
	/* HLT with interrupts on is how an HVM or PVH vCPU blocks in Xen
	 * (Xen turns it into SCHEDOP_block); sti's one-instruction shadow
	 * covers it, so an event that arrived since the check above wakes
	 * it at once instead of being lost. */
	if (!vcpu->evtchn_upcall_pending)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	if (timed)
		hypercall(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0,
		          0);
	return collect_events() ? 1 : 0;
}

/* ---------------------------------------------------------------- grants */

/* May user code share this frame? Its data and heap, nothing of the
 * supervisor's, not the shared-info page. */
static bool frame_shareable(uint64_t frame)
{
	uint64_t a = frame << 12;
	if (frame >= (1ull << 40) ||
	    a == (uint64_t)(uintptr_t)&shared_info_page)
		return false;
	if (a >= supervisor_heap_lo && a < supervisor_heap_hi)
		return true;
	return a >= (uint64_t)(uintptr_t)__data_start &&
	       a < (uint64_t)(uintptr_t)__data_end;
}

static int64_t sys_grant(uint64_t domid, uint64_t frame, uint64_t readonly)
{
	if (domid >= DOMID_FIRST_RESERVED || !frame_shareable(frame))
		return -1;
	unsigned n = grant_frames * 512;
	for (unsigned w = GNTTAB_NR_RESERVED_ENTRIES / 64; w < n / 64; w++) {
		uint64_t free = ~grant_used[w];
		if (w == 0)
			free &= ~((1ull << GNTTAB_NR_RESERVED_ENTRIES) - 1);
		if (!free)
			continue;
		unsigned ref = w * 64 + (unsigned)__builtin_ctzll(free);
		grant_used[w] |= 1ull << (ref % 64);
		grant_entry_v1_t *e = &grant_table[ref];
		e->frame = (uint32_t)frame;
		e->domid = (domid_t)domid;
		/* The other domain may use the entry once flags say so. */
		__atomic_store_n(&e->flags,
		                 (uint16_t)(GTF_permit_access |
		                            (readonly ? GTF_readonly : 0)),
		                 __ATOMIC_RELEASE);
		return ref;
	}
	return -1;
}

static int64_t sys_grant_end(uint64_t ref)
{
	if (ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= grant_frames * 512ull ||
	    !(grant_used[ref / 64] & (1ull << (ref % 64))))
		return -1;
	grant_entry_v1_t *e = &grant_table[ref];
	uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -1; /* still mapped by the other domain */
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false,
	                                      __ATOMIC_SEQ_CST,
	                                      __ATOMIC_ACQUIRE));
	grant_used[ref / 64] &= ~(1ull << (ref % 64));
	return 0;
}

/* --------------------------------------------- other domains' grants */

/* The grant handles of the mapped slots (XEN_SHM_BASE); a slot is in use
 * when its bit is set. */
static grant_handle_t slot_handle[XEN_SHM_SLOTS] KERNEL_BSS;
static uint64_t slot_used[XEN_SHM_SLOTS / 64] KERNEL_BSS;

static bool slot_busy(uint64_t slot)
{
	return slot_used[slot / 64] >> (slot % 64) & 1;
}

static void invlpg(uint64_t a)
{
	__asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
}

/* Map domain domid's grant ref at slot's guest-physical page (Xen puts
 * the frame there in our p2m), then map that page for CPL 3. */
static int64_t sys_grant_map(uint64_t domid, uint64_t ref, uint64_t slot)
{
	if (domid >= DOMID_FIRST_RESERVED || ref > UINT32_MAX ||
	    slot >= XEN_SHM_SLOTS || slot_busy(slot))
		return -1;
	uint64_t gpa = XEN_SHM_BASE + slot * PAGE_SIZE;
	struct gnttab_map_grant_ref m = {.host_addr = gpa,
	                                 .flags = GNTMAP_host_map,
	                                 .ref = (grant_ref_t)ref,
	                                 .dom = (domid_t)domid};
	if (hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
	              (uint64_t)(uintptr_t)&m, 1) != 0 ||
	    m.status != GNTST_okay)
		return -1;
	if (!paging_map(gpa, PAGE_SIZE, PTE_US | PTE_RW | PTE_NX)) {
		struct gnttab_unmap_grant_ref u = {.host_addr = gpa,
		                                   .handle = m.handle};
		hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
		          (uint64_t)(uintptr_t)&u, 1);
		return -1;
	}
	invlpg(gpa);
	slot_handle[slot] = m.handle;
	slot_used[slot / 64] |= 1ull << (slot % 64);
	return 0;
}

static int64_t sys_grant_unmap(uint64_t slot)
{
	if (slot >= XEN_SHM_SLOTS || !slot_busy(slot))
		return -1;
	uint64_t gpa = XEN_SHM_BASE + slot * PAGE_SIZE;
	/* User code loses the page first, then Xen takes it back. */
	paging_unmap_page(gpa);
	invlpg(gpa);
	struct gnttab_unmap_grant_ref u = {.host_addr = gpa,
	                                   .handle = slot_handle[slot]};
	hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
	          (uint64_t)(uintptr_t)&u, 1);
	slot_used[slot / 64] &= ~(1ull << (slot % 64));
	return u.status == GNTST_okay ? 0 : -1;
}

static int64_t sys_evtchn_bind(uint64_t domid, uint64_t port)
{
	if (domid >= DOMID_FIRST_RESERVED || port >= XEN_EVENT_WORDS * 64)
		return -1;
	struct evtchn_bind_interdomain b = {.remote_dom = (domid_t)domid,
	                                    .remote_port = (evtchn_port_t)port};
	if (evtchn_op(EVTCHNOP_bind_interdomain, &b) != 0)
		return -1;
	evtchn_unmask(b.local_port);
	return b.local_port;
}

static int64_t sys_evtchn_status(uint64_t port)
{
	if (port >= XEN_EVENT_WORDS * 64)
		return -1;
	struct evtchn_status st = {.dom = DOMID_SELF,
	                           .port = (evtchn_port_t)port};
	if (evtchn_op(EVTCHNOP_status, &st) != 0)
		return -1;
	uint64_t other = 0;
	if (st.status == EVTCHNSTAT_interdomain)
		other = st.u.interdomain.dom;
	else if (st.status == EVTCHNSTAT_unbound)
		other = st.u.unbound.dom;
	return (int64_t)(st.status | other << 16);
}

/* ----------------------------------------------------------------- calls */

/* Is [a, a + n) memory user code can read (image, data, heap)? */
static bool user_readable(uint64_t a, uint64_t n)
{
	if (n > 65536 || a + n < a)
		return false;
	uint64_t lo = (uint64_t)(uintptr_t)__text_start;
	uint64_t hi = (uint64_t)(uintptr_t)__data_end;
	if (a >= lo && a + n <= hi)
		return true;
	return a >= supervisor_heap_lo && a + n <= supervisor_heap_hi;
}

static bool supervisor_port(uint64_t port)
{
	return port == boot_info.timer_port;
}

void machine_call(struct trap_frame *f)
{
	int64_t r = -1;
	switch (f->rax) {
	case SYS_SLEEP:
		r = sys_sleep(f->rdi);
		break;
	case SYS_XEN_EVTCHN_SEND:
		if (f->rdi < XEN_EVENT_WORDS * 64 && !supervisor_port(f->rdi)) {
			evtchn_send((evtchn_port_t)f->rdi);
			r = 0;
		}
		break;
	case SYS_XEN_EVTCHN_ALLOC:
		if (f->rdi < DOMID_FIRST_RESERVED) {
			struct evtchn_alloc_unbound a = {
			        .dom = DOMID_SELF,
			        .remote_dom = (domid_t)f->rdi};
			r = evtchn_op(EVTCHNOP_alloc_unbound, &a);
			if (r == 0) {
				evtchn_unmask(a.port);
				r = a.port;
			}
		}
		break;
	case SYS_XEN_EVTCHN_CLOSE:
		if (f->rdi < XEN_EVENT_WORDS * 64 && !supervisor_port(f->rdi) &&
		    f->rdi != boot_info.store_port &&
		    f->rdi != boot_info.console_port) {
			struct evtchn_close c = {.port = (evtchn_port_t)f->rdi};
			r = evtchn_op(EVTCHNOP_close, &c);
		}
		break;
	case SYS_XEN_GRANT:
		r = sys_grant(f->rdi, f->rsi, f->rdx);
		break;
	case SYS_XEN_GRANT_END:
		r = sys_grant_end(f->rdi);
		break;
	case SYS_XEN_DEBUG_WRITE:
		if (user_readable(f->rdi, f->rsi)) {
			const char *b = (const char *)(uintptr_t)f->rdi;
			for (uint64_t i = 0; i < f->rsi; i++)
				outb(XEN_DEBUG_PORT, (uint8_t)b[i]);
			r = 0;
		}
		break;
	case SYS_XEN_GRANT_MAP:
		r = sys_grant_map(f->rdi, f->rsi, f->rdx);
		break;
	case SYS_XEN_GRANT_UNMAP:
		r = sys_grant_unmap(f->rdi);
		break;
	case SYS_XEN_EVTCHN_BIND:
		r = sys_evtchn_bind(f->rdi, f->rsi);
		break;
	case SYS_XEN_EVTCHN_STATUS:
		r = sys_evtchn_status(f->rdi);
		break;
	case SYS_XEN_SHUTDOWN:
		if (f->rdi == SHUTDOWN_poweroff || f->rdi == SHUTDOWN_crash)
			shutdown((unsigned)f->rdi);
		break;
	}
	f->rax = (uint64_t)r;
}

/* ------------------------------------------------------------------ exit */

/* From CPL 3 the status has already been written to xenstore by
 * platform_exit(); from ring 0 (a fault report) there is no xenstore
 * client, and the crash itself says 255. */
void hw_exit(int status)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	if (cs & 3) {
		supervisor_call(
		        SYS_XEN_SHUTDOWN,
		        status == 255 ? SHUTDOWN_crash : SHUTDOWN_poweroff, 0);
		supervisor_call(SYS_HALT, 0, 0);
	}
	if (hypercalls_ready)
		shutdown(status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash);
	for (;;)
		__asm__ volatile("cli; hlt");
}
