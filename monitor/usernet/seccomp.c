/*
 * monitor/usernet/seccomp.c - confine kiln-usernet once it serves.
 *
 * After libslirp is set up (its port forwards listen) the process needs
 * only a short list of system calls: moving frames on its socket,
 * libslirp's socket work for the forwards' connections, memory and time.
 * Everything else traps: the SIGSYS handler names the call, stops the
 * guest (peer mode) and exits 2. The list is the one kiln-hvt uses for
 * user-mode networking (monitor/hvt/seccomp.c), plus ioctl FIONREAD,
 * which libslirp uses to size a UDP datagram.
 */
#include "usernet.h"

#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static pid_t stop_on_trap;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	char msg[96];
	int n = snprintf(msg, sizeof(msg),
	                 "kiln-usernet: blocked system call %d (seccomp)\n",
	                 si->si_syscall);
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n);
	if (stop_on_trap > 0)
		kill(stop_on_trap, SIGTERM);
	syscall(SYS_exit_group, 2);
}

int usernet_seccomp(pid_t peer)
{
	stop_on_trap = peer;
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
	        /* the frame socket and the loop */
	        SCMP_SYS(read),
	        SCMP_SYS(write),
	        SCMP_SYS(ppoll),
	        SCMP_SYS(poll),
	        SCMP_SYS(clock_gettime),
	        SCMP_SYS(gettimeofday),
	        SCMP_SYS(exit_group),
	        SCMP_SYS(exit),
	        SCMP_SYS(rt_sigreturn),
	        SCMP_SYS(rt_sigprocmask),
	        SCMP_SYS(sigaltstack), /* sanitizer runtimes, at exit */
	        /* libslirp (and glib's allocator under it): the forwards'
	         * connections and datagrams */
	        SCMP_SYS(accept),
	        SCMP_SYS(accept4),
	        SCMP_SYS(recvfrom),
	        SCMP_SYS(sendto),
	        SCMP_SYS(recvmsg),
	        SCMP_SYS(sendmsg),
	        SCMP_SYS(readv),
	        SCMP_SYS(writev),
	        SCMP_SYS(shutdown),
	        SCMP_SYS(close),
	        SCMP_SYS(setsockopt),
	        SCMP_SYS(getsockopt),
	        SCMP_SYS(getsockname),
	        SCMP_SYS(getpeername),
	        SCMP_SYS(fcntl),
	        SCMP_SYS(brk),
	        SCMP_SYS(mmap),
	        SCMP_SYS(munmap),
	        SCMP_SYS(mremap),
	        SCMP_SYS(madvise),
	        SCMP_SYS(getrandom),
	        SCMP_SYS(futex),
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* Sockets of the Internet families only; the frame filter keeps
	 * libslirp from opening any on the guest's behalf, but it may. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	                       SCMP_A0(SCMP_CMP_EQ, AF_INET));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	                       SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	                       SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)FIONREAD));
	/* Stopping the guest on a fatal error: SIGTERM to it, nothing else. */
	if (peer > 0)
		rc |= seccomp_rule_add(
		        ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 2,
		        SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)peer),
		        SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)SIGTERM));
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}
