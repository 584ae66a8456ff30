/*
 * monitor/hvt/fault.c - explain why the guest stopped.
 *
 * Exceptions reach the supervisor, which stores the CPU's frame (vector,
 * error code, CR2, RIP, RSP) and reports it through HVT_CALL_FAULT; other
 * ends (triple fault, failed entry, KVM errors) come from the run loop.
 * Either way the report is one line on stderr and the exit status is 255.
 */
#include "hvt.h"

#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>

static const char *const vector_names[32] = {
        [0] = "divide error",
        [1] = "debug exception",
        [2] = "non-maskable interrupt",
        [3] = "breakpoint",
        [4] = "overflow",
        [5] = "bound range exceeded",
        [6] = "invalid opcode",
        [7] = "device not available",
        [8] = "double fault",
        [10] = "invalid TSS",
        [11] = "segment not present",
        [12] = "stack-segment fault",
        [13] = "general protection",
        [14] = "page fault",
        [16] = "x87 floating-point error",
        [17] = "alignment check",
        [18] = "machine check",
        [19] = "SIMD floating-point exception",
        [20] = "virtualization exception",
        [21] = "control protection",
};

/* Is addr on a guard page: below or above the boot stack, or a heap page
 * the supervisor took out of the page tables? */
static bool is_guard_page(struct hvt *h, uint64_t addr)
{
	const struct hvt_layout *lay = &h->lay;
	uint64_t page = addr & ~(HVT_PAGE - 1);
	if (page == lay->stack_lo - HVT_PAGE || page == lay->stack_top)
		return true;
	if (addr >= lay->heap_start && addr < lay->heap_end) {
		const uint64_t *pte =
		        (const uint64_t *)(h->mem + lay->pt_base) +
		        page / HVT_PAGE;
		return !(*pte & 1) && (*pte & 0x000ffffffffff000ull) == page;
	}
	return false;
}

_Noreturn void hvt_report_fault(struct hvt *h, const struct hvt_fault *f)
{
	char what[160];
	const char *name = f->vector < 32 && vector_names[f->vector]
	                           ? vector_names[f->vector]
	                           : "unknown exception";
	if (f->vector == 14) {
		uint64_t e = f->error_code;
		const char *access = (e & 16)  ? "executing"
		                     : (e & 2) ? "writing"
		                               : "reading";
		const char *why = is_guard_page(h, f->cr2) ? "stack guard page"
		                  : (e & 8)                ? "reserved bit"
		                  : (e & 1) ? "protection violation"
		                            : "not present";
		snprintf(what, sizeof(what), "page fault %s 0x%llx (%s)",
		         access, (unsigned long long)f->cr2, why);
	} else if (f->vector == 13 && f->error_code) {
		snprintf(what, sizeof(what), "%s (selector 0x%llx)", name,
		         (unsigned long long)f->error_code);
	} else {
		snprintf(what, sizeof(what), "%s", name);
	}
	fprintf(stderr,
	        "kiln-hvt: guest fault: %s at rip 0x%llx rsp 0x%llx%s\n", what,
	        (unsigned long long)f->rip, (unsigned long long)f->rsp,
	        (f->cs & 3) == 0 ? " (in the supervisor)" : "");
	hvt_exit(h, 255);
}

_Noreturn void hvt_report_vcpu(struct hvt *h, const char *what)
{
	struct kvm_regs r;
	if (ioctl(h->vcpu_fd, KVM_GET_REGS, &r) == 0)
		fprintf(stderr,
		        "kiln-hvt: guest fault: %s at rip 0x%llx rsp "
		        "0x%llx\n",
		        what, (unsigned long long)r.rip,
		        (unsigned long long)r.rsp);
	else
		fprintf(stderr, "kiln-hvt: guest fault: %s\n", what);
	hvt_exit(h, 255);
}
