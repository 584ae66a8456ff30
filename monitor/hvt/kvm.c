/*
 * monitor/hvt/kvm.c - the VM, its one vCPU and the run loop.
 *
 * The vCPU starts in 64-bit mode at CPL 3: CR0/CR4/EFER, the segment
 * registers, TR, GDTR/IDTR and RFLAGS (IOPL 3) are set with KVM_SET_SREGS
 * and KVM_SET_REGS, so the guest runs no mode-switching code at all.
 */
#include "hvt.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define RFLAGS_RESERVED (1ull << 1)
#define RFLAGS_IOPL3 (3ull << 12)

static int kvm_fail(const char *what)
{
	fprintf(stderr, "kiln-hvt: %s: %s\n", what, strerror(errno));
	return -1;
}

/*
 * The vCPU's CPUID: KVM checks EFER and CR4 against it (no long mode or NX
 * in CPUID, no EFER.LME/NXE). A minimal table of our own, rather than
 * KVM_GET_SUPPORTED_CPUID: that ioctl executes CPUID for every leaf, and
 * on nested KVM each one traps to the outer hypervisor (about 2 ms per
 * call here, the largest part of a boot). The guest reads CPUID itself
 * anyway; this table is what KVM believes about it.
 */
static int set_cpuid(struct hvt *h)
{
	enum { NENT = 5 };
	struct {
		struct kvm_cpuid2 head;
		struct kvm_cpuid_entry2 e[NENT];
	} c;
	unsigned a, b, cx, d;
	memset(&c, 0, sizeof(c));
	c.head.nent = NENT;

	__cpuid(0, a, b, cx, d);
	c.e[0] = (struct kvm_cpuid_entry2){
	        .function = 0, .eax = 1, .ebx = b, .ecx = cx, .edx = d};
	/* Leaf 1: family/model as the host's; x87, TSC, MSR, PAE, CX8,
	 * SEP, PGE, CMOV, PAT, CLFSH, MMX, FXSR, SSE, SSE2; SSE3, SSSE3,
	 * CX16, SSE4.1, SSE4.2, POPCNT where the host has them. */
	__cpuid(1, a, b, cx, d);
	c.e[1] = (struct kvm_cpuid_entry2){
	        .function = 1,
	        .eax = a,
	        .ebx = b & 0x0000ffff,
	        .ecx = cx & ((1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) |
	                     (1u << 20) | (1u << 23)),
	        .edx = d & 0x078bb971,
	};
	c.e[2] = (struct kvm_cpuid_entry2){.function = 0x80000000,
	                                   .eax = 0x80000008};
	/* SYSCALL, NX, long mode; LAHF in 64-bit mode. */
	c.e[3] = (struct kvm_cpuid_entry2){.function = 0x80000001,
	                                   .ecx = 1,
	                                   .edx = (1u << 11) | (1u << 20) |
	                                          (1u << 29)};
	__cpuid(0x80000008, a, b, cx, d);
	c.e[4] = (struct kvm_cpuid_entry2){.function = 0x80000008,
	                                   .eax = a & 0xffff};
	if (ioctl(h->vcpu_fd, KVM_SET_CPUID2, &c) < 0)
		return kvm_fail("KVM_SET_CPUID2");
	return 0;
}

/* Open /dev/kvm and check the API; no VM yet. */
int hvt_kvm_open(struct hvt *h)
{
	h->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (h->kvm_fd < 0)
		return kvm_fail("/dev/kvm");
	int v = ioctl(h->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		fprintf(stderr, "kiln-hvt: /dev/kvm: API version %d, need %d\n",
		        v, KVM_API_VERSION);
		return -1;
	}
	if (ioctl(h->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		fprintf(stderr, "kiln-hvt: /dev/kvm lacks user memory\n");
		return -1;
	}
	h->vm_fd = ioctl(h->kvm_fd, KVM_CREATE_VM, 0);
	if (h->vm_fd < 0)
		return kvm_fail("KVM_CREATE_VM");
	h->mem = mmap(NULL, h->lay.mem_size, PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h->mem == MAP_FAILED)
		return kvm_fail("guest memory");
	struct kvm_userspace_memory_region region = {
	        .slot = 0,
	        .guest_phys_addr = 0,
	        .memory_size = h->lay.mem_size,
	        .userspace_addr = (uint64_t)(uintptr_t)h->mem,
	};
	if (ioctl(h->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return kvm_fail("KVM_SET_USER_MEMORY_REGION");
	h->vcpu_fd = ioctl(h->vm_fd, KVM_CREATE_VCPU, 0);
	if (h->vcpu_fd < 0)
		return kvm_fail("KVM_CREATE_VCPU");
	int run_size = ioctl(h->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run))
		return kvm_fail("KVM_GET_VCPU_MMAP_SIZE");
	h->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
	              MAP_SHARED, h->vcpu_fd, 0);
	if (h->run == MAP_FAILED)
		return kvm_fail("vCPU mmap");

	if (set_cpuid(h) < 0)
		return -1;

	/* The guest's TSC rate as KVM knows it, else measure it. */
	int khz = ioctl(h->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ) > 0
	                  ? ioctl(h->vcpu_fd, KVM_GET_TSC_KHZ, 0)
	                  : -1;
	if (khz > 0) {
		h->tsc_hz = (uint64_t)khz * 1000;
	} else {
		struct timespec t0, t1, d = {0, 10 * 1000 * 1000};
		clock_gettime(CLOCK_MONOTONIC, &t0);
		uint64_t c0 = __builtin_ia32_rdtsc();
		nanosleep(&d, NULL);
		uint64_t c1 = __builtin_ia32_rdtsc();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		            (double)(t1.tv_nsec - t0.tv_nsec);
		h->tsc_hz = (uint64_t)((double)(c1 - c0) * 1e9 / ns);
	}
	if (h->tsc_hz < 1000000) {
		fprintf(stderr, "kiln-hvt: implausible TSC rate %llu Hz\n",
		        (unsigned long long)h->tsc_hz);
		return -1;
	}
	return 0;
}

static void user_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){
	        .base = 0,
	        .limit = 0xffffffff,
	        .selector = sel,
	        .type = type,
	        .present = 1,
	        .dpl = 3,
	        .db = type == 11 ? 0 : 1,
	        .s = 1,
	        .l = type == 11 ? 1 : 0,
	        .g = 1,
	};
}

/* Registers for entry at CPL 3 in 64-bit mode. */
int hvt_kvm_setup(struct hvt *h)
{
	struct kvm_sregs sr;
	if (ioctl(h->vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		return kvm_fail("KVM_GET_SREGS");
	sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sr.cr3 = h->lay.pml4;
	sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sr.efer = EFER_LME | EFER_LMA | EFER_NXE;
	user_seg(&sr.cs, HVT_SEL_UCODE, 11);
	user_seg(&sr.ds, HVT_SEL_UDATA, 3);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.tr = (struct kvm_segment){
	        .base = HVT_GDT + 0x100,
	        .limit = HVT_TSS_LIMIT,
	        .selector = HVT_SEL_TSS,
	        .type = 11,
	        .present = 1,
	};
	sr.ldt = (struct kvm_segment){.type = 2, .present = 1, .unusable = 1};
	sr.gdt.base = HVT_GDT;
	sr.gdt.limit = 7 * 8 - 1;
	sr.idt.base = HVT_IDT;
	sr.idt.limit = 256 * 16 - 1;
	if (ioctl(h->vcpu_fd, KVM_SET_SREGS, &sr) < 0)
		return kvm_fail("KVM_SET_SREGS");

	struct kvm_regs r = {
	        .rip = h->img.entry,
	        .rsp = h->lay.stack_top - 8, /* as if called */
	        .rdi = HVT_BOOT_INFO,
	        .rflags = RFLAGS_RESERVED | RFLAGS_IOPL3,
	};
	if (ioctl(h->vcpu_fd, KVM_SET_REGS, &r) < 0)
		return kvm_fail("KVM_SET_REGS");
	return 0;
}

_Noreturn void hvt_kvm_run(struct hvt *h)
{
	struct kvm_run *run = h->run;
	for (;;) {
		if (hvt_stats_wanted) {
			hvt_stats_wanted = 0;
			hvt_print_stats(h);
		}
		if (ioctl(h->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR) {
				/* A signal: a stop request, the counters,
				 * or the I/O thread's ring fault. */
				hvt_net_interrupted(h);
				continue;
			}
			if (errno == EAGAIN)
				continue;
			fprintf(stderr, "kiln-hvt: KVM_RUN: %s\n",
			        strerror(errno));
			hvt_exit(h, 255);
		}
		h->st.exits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			unsigned port = run->io.port;
			if (run->io.direction != KVM_EXIT_IO_OUT ||
			    run->io.size != 4 || run->io.count != 1 ||
			    port < HVT_PORT_BASE ||
			    port >= HVT_PORT_BASE + HVT_CALL_COUNT) {
				hvt_guest_error(
				        h,
				        "unknown port access 0x%x (size "
				        "%u, %s)",
				        port, run->io.size,
				        run->io.direction == KVM_EXIT_IO_OUT
				                ? "out"
				                : "in");
				/* Reads of unknown ports see zeros. */
				if (run->io.direction == KVM_EXIT_IO_IN)
					memset((char *)run +
					               run->io.data_offset,
					       0,
					       (size_t)run->io.size *
					               run->io.count);
				break;
			}
			uint32_t arg;
			memcpy(&arg, (char *)run + run->io.data_offset, 4);
			hvt_hypercall(h, port - HVT_PORT_BASE, arg);
			break;
		}
		case KVM_EXIT_HLT:
			hvt_report_vcpu(h, "guest halted");
		case KVM_EXIT_SHUTDOWN:
			hvt_report_vcpu(h, "triple fault (the supervisor could "
			                   "not handle an exception)");
		case KVM_EXIT_FAIL_ENTRY: {
			char what[96];
			snprintf(what, sizeof(what),
			         "vCPU entry failed (reason 0x%llx)",
			         (unsigned long long)run->fail_entry
			                 .hardware_entry_failure_reason);
			hvt_report_vcpu(h, what);
		}
		case KVM_EXIT_INTERNAL_ERROR: {
			char what[96];
			snprintf(what, sizeof(what),
			         "KVM internal error (suberror %u)",
			         run->internal.suberror);
			hvt_report_vcpu(h, what);
		}
		case KVM_EXIT_MMIO: {
			char what[96];
			snprintf(what, sizeof(what),
			         "access to 0x%llx outside guest memory",
			         (unsigned long long)run->mmio.phys_addr);
			hvt_report_vcpu(h, what);
		}
		default: {
			char what[64];
			snprintf(what, sizeof(what), "unexpected KVM exit %u",
			         run->exit_reason);
			hvt_report_vcpu(h, what);
		}
		}
	}
}
