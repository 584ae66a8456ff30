/*
 * monitor/hvt/seccomp.c - confine kiln-hvt once the guest is set up.
 *
 * After the VM, memory, vCPU and devices exist, the monitor needs only a
 * handful of system calls to serve the guest. Everything else traps: the
 * SIGSYS handler names the call and the monitor exits 255. The list is in
 * docs/hvt.md; keep the two in step (tests/hvt/test-hvt.sh compares them).
 *
 * Two switches for the tests, read from the environment by the test build
 * of the monitor only (bin/kiln-hvt-test, compiled with
 * KILN_HVT_TEST_HOOKS; bin/kiln-hvt has neither):
 *   KILN_HVT_SECCOMP_EXPORT=1    print the filter as libseccomp's
 *                                pseudo-code on stdout and exit 0
 *                                instead of installing it;
 *   KILN_HVT_SECCOMP_SELFTEST=1  call openat once the filter is on,
 *                                which must end in the SIGSYS report.
 */
#include "hvt.h"

#include "../../host/hostopt.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg),
	                 "kiln-hvt: blocked system call %d (seccomp)\n",
	                 si->si_syscall);
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n);
	/* Straight to the kernel: _exit() may be intercepted (sanitizers)
	 * and make more system calls. */
	syscall(SYS_exit_group, 255);
}

#ifdef KILN_HVT_TEST_HOOKS
static int env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") != 0;
}
#endif

int hvt_seccomp(struct hvt *h)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -1;

	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return -1;
	static const int allowed[] = {
	        SCMP_SYS(read),          SCMP_SYS(write),
	        SCMP_SYS(readv),  /* tap frames, net.c */
	        SCMP_SYS(writev), /* tap frames after their vnet header */
	        SCMP_SYS(pread64),       SCMP_SYS(pwrite64),
	        SCMP_SYS(fdatasync),     SCMP_SYS(ppoll),
	        SCMP_SYS(clock_gettime), SCMP_SYS(exit_group),
	        SCMP_SYS(exit),          SCMP_SYS(rt_sigreturn),
	        SCMP_SYS(sigaltstack), /* sanitizer runtimes, at exit */
	        SCMP_SYS(getrandom),   /* the guest's entropy call */
	};
	/* User-mode networking: libslirp (and the glib allocator under it)
	 * accepts forwarded connections, moves data on sockets and
	 * allocates as it goes. It never creates sockets of other families
	 * than IPv4/IPv6 here; host/usernet_filter.h refuses the guest's
	 * own outbound connections before libslirp sees them. */
	static const int usernet[] = {
	        SCMP_SYS(accept),      SCMP_SYS(accept4),
	        SCMP_SYS(recvfrom),    SCMP_SYS(sendto),
	        SCMP_SYS(recvmsg),     SCMP_SYS(sendmsg),
	        SCMP_SYS(readv),       SCMP_SYS(writev),
	        SCMP_SYS(shutdown),    SCMP_SYS(close),
	        SCMP_SYS(setsockopt),  SCMP_SYS(getsockopt),
	        SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	        SCMP_SYS(fcntl),       SCMP_SYS(brk),
	        SCMP_SYS(mmap),        SCMP_SYS(munmap),
	        SCMP_SYS(mremap),      SCMP_SYS(madvise),
	        SCMP_SYS(getrandom),   SCMP_SYS(gettimeofday),
	        SCMP_SYS(futex),       SCMP_SYS(poll),
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; h->usernet && i < sizeof(usernet) / sizeof(int); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, usernet[i], 0);
	if (h->usernet) {
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		                       SCMP_A0(SCMP_CMP_EQ, AF_INET));
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		                       SCMP_A0(SCMP_CMP_EQ, AF_INET6));
		/* libslirp asks how much a UDP socket has queued before it
		 * receives from it. FIONREAD only reads a count. */
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		                       SCMP_A1(SCMP_CMP_EQ, FIONREAD));
	}
	/* vchan links (vchan.c, host/vchan_link.c): a departed peer's
	 * socket is closed; the monitor that created a link takes a new
	 * peer on its listening socket alone and sends it the window's
	 * memfd and the doorbells (SCM_RIGHTS). Doorbells are eventfd
	 * reads and writes, allowed above. */
	if (hvt_vchan_links()) {
		bool creator = false;
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(close), 0);
		for (unsigned i = 0; i < HOST_MAX_VCHANS; i++) {
			int fd = hvt_vchan_listen_fd(i);
			if (fd < 0)
				continue;
			creator = true;
			rc |= seccomp_rule_add(
			        ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1,
			        SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd));
		}
		if (creator)
			rc |= seccomp_rule_add(
			        ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1,
			        SCMP_A2(SCMP_CMP_EQ,
			                MSG_NOSIGNAL | MSG_DONTWAIT));
	}
	/* The guest turns a tap's offloads on or off (HVT_CALL_NET_OFFLOAD):
	 * TUNSETOFFLOAD on that tap's descriptor only. */
	for (unsigned i = 0; i < h->nnet; i++)
		if (h->net[i].vnet)
			rc |= seccomp_rule_add(
			        ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
			        SCMP_A0(SCMP_CMP_EQ,
			                (scmp_datum_t)h->net[i].fd),
			        SCMP_A1(SCMP_CMP_EQ, TUNSETOFFLOAD));
	/* The I/O thread (netio.c): the device locks (futex) and, when it
	 * finds a broken ring, one signal to the vCPU thread (tgkill of
	 * this process's vCPU thread with SIGUSR2 only). The filter covers
	 * both threads (TSYNC). */
	if (hvt_netio_running()) {
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(futex), 0);
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		                       SCMP_SYS(sched_yield), 0);
		rc |= seccomp_rule_add(
		        ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 3,
		        SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()),
		        SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)syscall(SYS_gettid)),
		        SCMP_A2(SCMP_CMP_EQ, SIGUSR2));
		rc |= seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	}
	/* ioctl: only on the vCPU, and only to run it or read registers
	 * for a fault report. */
	static const unsigned long vcpu_ioctls[] = {KVM_RUN, KVM_GET_REGS,
	                                            KVM_GET_SREGS};
	for (size_t i = 0; i < 3; i++)
		rc |= seccomp_rule_add(
		        ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
		        SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)h->vcpu_fd),
		        SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)vcpu_ioctls[i]));
#ifdef KILN_HVT_TEST_HOOKS
	if (rc == 0 && env_set("KILN_HVT_SECCOMP_EXPORT")) {
		rc = seccomp_export_pfc(ctx, STDOUT_FILENO);
		seccomp_release(ctx);
		exit(rc == 0 ? 0 : 2);
	}
#endif
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
#ifdef KILN_HVT_TEST_HOOKS
	if (rc == 0 && env_set("KILN_HVT_SECCOMP_SELFTEST")) {
		/* Must not return: the filter traps it (exit 255). */
		syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
		return -1;
	}
#endif
	return rc == 0 ? 0 : -1;
}
