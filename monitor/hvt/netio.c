/*
 * monitor/hvt/netio.c - the I/O thread that serves the frame areas of tap
 * devices (hvt_abi.h, HVT_NET_F_SERVED), so that a busy guest moves its
 * frames without exiting. Started with --io-thread (or
 * KILN_HVT_IO_THREAD=1) only, for now: on the 2-core machines here its
 * polling costs more CPU than the exits it saves (docs/performance.md).
 *
 * One thread for all tap devices. Each pass, under the device's lock, it
 * sends what the guest queued in the transmit ring and fills the receive
 * ring from the tap (net.c's hvt_net_serve, which checks every index and
 * record as the yield does). While frames move, and for SPIN_NS after
 * the last one, it polls; then it dozes (ppoll() with a timeout); then it
 * sets tx.idle in every area, checks the transmit rings once more, and
 * sleeps in ppoll() on the taps and its bell (an eventfd the vCPU thread
 * writes when the guest's exit found frames behind a sleeping thread, or
 * the guest runs again after a wait). While the vCPU waits in the yield,
 * the thread stands aside: the vCPU thread moves the frames itself.
 *
 * The thread never reports or ends anything itself: a guest that broke a
 * ring leaves a fault report here, and the thread stops the vCPU (KVM's
 * immediate_exit and a signal), whose thread prints it with the guest's
 * registers and exits 255. The thread exists before seccomp is loaded,
 * which then covers it too (TSYNC); it needs no system call beyond the
 * yield's, plus futex (the device locks), sched_yield (its polling gives
 * the CPU away) and tgkill (that signal, to the vCPU thread only).
 */
#include "hvt.h"

#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* After the last frame moved, the thread polls for SPIN_NS (an exit costs
 * 50-100 us here), then dozes for up to DOZE_NS: a ppoll() on the taps
 * with a timeout of DOZE_POLL_NS, after which it looks at the transmit
 * rings, so that a guest that runs on needs no exit to have its frames
 * sent; the CPU stays free for the vCPU and the peer on a busy host.
 * Only then does it sleep (tx.idle). */
#define SPIN_NS 200000
#define DOZE_NS 5000000
#define DOZE_POLL_NS 100000
#define FULL_POLL_NS 50000

static struct hvt *hv;
static pthread_t thread;
static bool running;
static int bell = -1;  /* wakes the I/O thread */
static int io_idle;    /* the thread sleeps (atomic) */
static int vcpu_waits; /* the vCPU thread waits in the yield (atomic) */
static int started;    /* the thread runs (atomic) */
static int fault;      /* a ring fault is in fault_what (atomic) */
static char fault_what[256];
static pid_t pid, vcpu_tid;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void ring_bell(int fd)
{
	uint64_t one = 1;
	(void)!write(fd, &one, sizeof(one));
}

static void drain(int fd)
{
	uint64_t v;
	(void)!read(fd, &v, sizeof(v));
}

static void on_wake(int sig)
{
	(void)sig; /* only to interrupt KVM_RUN or the yield's ppoll */
}

bool hvt_netio_running(void)
{
	return running;
}

void hvt_netio_kick(void)
{
	if (!running)
		return;
	/* The guest may go on as if the thread were awake: it will be.
	 * tx.idle cleared first, the bell after: a sleep the thread gets
	 * ready for in between sets it again and looks at the rings after
	 * (hvt_abi.h), a sleep before it ends at the bell. */
	for (unsigned i = 0; i < hv->nnet; i++)
		if (__atomic_load_n(&hv->net[i].served, __ATOMIC_ACQUIRE))
			__atomic_store_n(&hv->net[i].area->tx.idle, 0,
			                 __ATOMIC_SEQ_CST);
	ring_bell(bell);
}

bool hvt_netio_idle(void)
{
	return __atomic_load_n(&io_idle, __ATOMIC_SEQ_CST);
}

void hvt_netio_wait_begin(void)
{
	__atomic_store_n(&vcpu_waits, 1, __ATOMIC_SEQ_CST);
}

void hvt_netio_wait_end(void)
{
	__atomic_store_n(&vcpu_waits, 0, __ATOMIC_SEQ_CST);
	/* The guest runs again: a sleeping thread polls from now. */
	if (hvt_netio_idle())
		hvt_netio_kick();
}

void hvt_netio_check(struct hvt *h)
{
	if (__atomic_load_n(&fault, __ATOMIC_ACQUIRE))
		hvt_report_vcpu(h, fault_what);
}

/* The guest broke n's ring (the thread holds n's lock): leave the report
 * for the vCPU thread, stop the vCPU, and serve nothing more. */
static _Noreturn void thread_fault(struct hvt_net *n, const char *ring,
                                   const char *why)
{
	snprintf(fault_what, sizeof(fault_what), "%s: %s ring: %s", n->name,
	         ring, why);
	__atomic_store_n(&fault, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&n->lock);
	/* immediate_exit catches a signal that comes just before KVM_RUN. */
	__atomic_store_n(&hv->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_tgkill, pid, vcpu_tid, SIGUSR2);
	for (;;)
		ppoll(NULL, 0, NULL, NULL);
}

static bool served(const struct hvt_net *n)
{
	return __atomic_load_n(&n->served, __ATOMIC_ACQUIRE);
}

static void *serve(void *arg)
{
	struct hvt *h = arg;
	struct pollfd fds[HVT_MAX_NET + 1];
	uint64_t last = 0;
	char why[160];
	/* Timeouts of POLL_NS, not the default 50 us of slack. */
	prctl(PR_SET_TIMERSLACK, 1000ul, 0, 0, 0);
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
	for (;;) {
		unsigned moved = 0;
		bool full = false;
		/* While the vCPU waits in the yield, its thread moves the
		 * frames (as without this thread); this one sleeps. */
		bool aside = __atomic_load_n(&vcpu_waits, __ATOMIC_SEQ_CST);
		for (unsigned i = 0; !aside && i < h->nnet; i++) {
			struct hvt_net *n = &h->net[i];
			if (!served(n))
				continue;
			const char *ring = NULL;
			pthread_mutex_lock(&n->lock);
			moved += hvt_net_serve(h, n, &ring, why, sizeof(why));
			if (ring)
				thread_fault(n, ring, why);
			full |= n->rx_more;
			pthread_mutex_unlock(&n->lock);
		}
		uint64_t t = now_ns();
		if (moved) {
			last = t;
			continue;
		}
		/* Busy lately: poll. Then doze: ppoll() with a timeout,
		 * the taps wake the thread at once, the transmit rings are
		 * looked at every DOZE_POLL_NS. Then sleep, which the guest
		 * is told (tx.idle), after looking once more. While the
		 * vCPU waits in the yield, sleep at once. */
		uint64_t quiet = t - last;
		if (!aside && quiet < SPIN_NS) {
			/* (Giving the CPU to whoever else may run on it: the
			 * peer the guest is talking to, often.) */
			sched_yield();
			continue;
		}
		bool doze = !aside && quiet < DOZE_NS;
		if (!doze) {
			/* (Not for a congested tap: the thread wakes for
			 * it when the tap takes frames again, and sends
			 * what the ring holds then.) */
			for (unsigned i = 0; i < h->nnet; i++)
				if (served(&h->net[i]) &&
				    !h->net[i].tx_congested)
					__atomic_store_n(
					        &h->net[i].area->tx.idle, 1,
					        __ATOMIC_RELAXED);
			__atomic_store_n(&io_idle, 1, __ATOMIC_SEQ_CST);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		}
		bool work = false;
		unsigned nfds = 0;
		fds[nfds++] = (struct pollfd){.fd = bell, .events = POLLIN};
		for (unsigned i = 0; !aside && i < h->nnet; i++) {
			struct hvt_net *n = &h->net[i];
			if (!served(n))
				continue;
			uint32_t prod = __atomic_load_n(&n->area->tx.prod,
			                                __ATOMIC_SEQ_CST);
			if (prod != __atomic_load_n(&n->tx_cons,
			                            __ATOMIC_RELAXED) &&
			    !n->tx_congested)
				work = true;
			fds[nfds++] = (struct pollfd){
			        .fd = n->fd,
			        .events = (short)((n->rx_more ? 0 : POLLIN) |
			                          (n->tx_congested ? POLLOUT
			                                           : 0))};
		}
		if (!work) {
			struct timespec dozing = {0, DOZE_POLL_NS},
			                fullpoll = {0, FULL_POLL_NS};
			int r = ppoll(fds, nfds,
			              doze             ? &dozing
			              : full && !aside ? &fullpoll
			                               : NULL,
			              NULL);
			if (aside)
				HVT_STAT_ADD(h, io_aside, 1);
			else if (!doze)
				HVT_STAT_ADD(h, io_wakes, 1);
			/* Woken by the bell: the guest is busy (it exited
			 * to wake the thread), so poll again for a while. */
			if (r > 0 && (fds[0].revents & POLLIN)) {
				drain(bell);
				last = now_ns();
			}
		}
		if (!doze) {
			__atomic_store_n(&io_idle, 0, __ATOMIC_SEQ_CST);
			for (unsigned i = 0; i < h->nnet; i++)
				if (served(&h->net[i]))
					__atomic_store_n(
					        &h->net[i].area->tx.idle, 0,
					        __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

int hvt_netio_start(struct hvt *h)
{
	bool tap = false;
	for (unsigned i = 0; h->io_thread && i < h->nnet; i++)
		tap |= h->net[i].fd >= 0 && !h->net[i].user;
	if (!tap)
		return 0;
	hv = h;
	pid = getpid();
	vcpu_tid = (pid_t)syscall(SYS_gettid);
	bell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (bell < 0) {
		perror("kiln-hvt: eventfd");
		return -1;
	}
	/* SIGUSR2 interrupts the vCPU thread (no SA_RESTART). */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake;
	if (sigaction(SIGUSR2, &sa, NULL) < 0)
		return -1;
	/* The thread takes no signal: stop requests, SIGUSR1 and SIGUSR2
	 * all go to the vCPU thread, where they interrupt KVM_RUN. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&thread, NULL, serve, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		fprintf(stderr, "kiln-hvt: I/O thread: %s\n", strerror(rc));
		return -1;
	}
	/* Its start-up system calls (rseq, robust lists, ...) come before
	 * seccomp. */
	while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		sched_yield();
	running = true;
	return 0;
}
