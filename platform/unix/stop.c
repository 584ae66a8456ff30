/*
 * stop.c - SIGTERM and SIGINT as a request to stop cleanly.
 *
 * The first signal sets a flag and writes a byte to a pipe that
 * platform_yield() polls, so a wait in progress ends at once (there is no
 * window between checking the flag and sleeping in ppoll). The runtime
 * then runs the exit hooks and exits 0. A second signal, for an app that
 * never gets back to its loop, ends the process the default way.
 */
#include "unix.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static int stop_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
	if (stop_requested) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop_requested = 1;
	if (stop_pipe[1] >= 0) {
		char c = 1;
		ssize_t n = write(stop_pipe[1], &c, 1);
		(void)n; /* full pipe: a byte is there already */
	}
}

void unix_stop_init(void)
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

int unix_stop_fd(void)
{
	return stop_pipe[0];
}

bool unix_stop_requested(void)
{
	return stop_requested != 0;
}
