/*
 * host/stop.c - SIGTERM and SIGINT as a request to stop, SIGPIPE ignored
 * (see stop.h).
 */
#include "stop.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STOP_GRACE_NS 1000000000 /* 1 s */

static volatile sig_atomic_t stop_requested;
static int stop_pipe[2] = {-1, -1};

/* When the first signal came (CLOCK_MONOTONIC, ns). */
static volatile int64_t stop_time;

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_stop_signal(int sig)
{
	/* A second signal ends the process, but only once the guest had
	 * STOP_GRACE_NS to stop: a stopper that signals the whole process
	 * tree (the launcher passes the signal on, and the caller signals
	 * the child too) must not cut off the exit hooks. */
	if (stop_requested) {
		if (monotonic_ns() - stop_time >= STOP_GRACE_NS)
			_exit(128 + sig);
		return;
	}
	stop_time = monotonic_ns();
	stop_requested = 1;
	if (stop_pipe[1] >= 0) {
		char c = 1;
		ssize_t n = write(stop_pipe[1], &c, 1);
		(void)n; /* full pipe: a byte is there already */
	}
}

void host_stop_init(void)
{
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		stop_pipe[0] = stop_pipe[1] = -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* A peer that closes its end of a socket or pipe (a client of a
	 * port forward that goes away mid-response, a console reader that
	 * exits) must never end the process: writes then fail with EPIPE,
	 * which every writer handles as a closed connection (libslirp
	 * closes its socket, the console drops the output). */
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
}

int host_stop_fd(void)
{
	return stop_pipe[0];
}

bool host_stop_requested(void)
{
	return stop_requested != 0;
}
