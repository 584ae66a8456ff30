/*
 * stop.c - SIGTERM and SIGINT ask the guest to stop cleanly.
 *
 * The first signal sets a flag and writes a byte to a pipe that the
 * yield's ppoll() watches, so a wait in progress ends at once; from then
 * on every yield returns PLATFORM_STOP (the top bit of the ready set) and
 * the guest's runtime runs its exit hooks and exits 0. A second signal,
 * for a guest that never yields again, ends kiln-hvt with 128 + the
 * signal (exit is allowed by the sandbox; re-raising would not be).
 */
#include "hvt.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static int stop_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
	if (stop_requested)
		_exit(128 + sig);
	stop_requested = 1;
	if (stop_pipe[1] >= 0) {
		char c = 1;
		ssize_t n = write(stop_pipe[1], &c, 1);
		(void)n; /* full pipe: a byte is there already */
	}
}

void hvt_stop_init(void)
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
}

int hvt_stop_fd(void)
{
	return stop_pipe[0];
}

bool hvt_stop_requested(void)
{
	return stop_requested != 0;
}
