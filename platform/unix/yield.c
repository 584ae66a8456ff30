/*
 * yield.c - the one place the unix target waits: ppoll on the acquired
 * tap devices' descriptors and user-mode networking's sockets, until the
 * deadline or slirp's next timer. The frames the guest wrote to a
 * user-mode network since the last call go to libslirp first.
 */
#include "unix.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

static struct host_pollset pollset;

platform_device_set platform_yield(platform_time deadline)
{
	platform_device_set ready = 0;
	int tap_index[PLATFORM_MAX_DEVICES];

	if (host_stop_requested())
		return PLATFORM_STOP;

	/* The guest's frames for libslirp, on this (the loop's, the
	 * process's main) stack; answers they cause are pending below. */
	unix_usernet_flush();
	host_pollset_clear(&pollset);
	platform_time now = platform_clock_monotonic();
	int64_t timeout = deadline == PLATFORM_TIME_NEVER ? -1
	                  : deadline > now                ? deadline - now
	                                                  : 0;

	for (unsigned h = 0; h < unix_n_handles; h++) {
		struct unix_device *d = unix_by_handle[h];
		tap_index[h] = -1;
		if (d->kind == UNIX_NET_TAP)
			tap_index[h] =
			        host_pollset_add(&pollset, d->fd, POLLIN);
		else if (d->kind == UNIX_NET_USER &&
		         host_usernet_pending(d->usernet))
			timeout = 0; /* input is already there */
	}
	/* Every user-mode network runs, acquired or not: its port
	 * forwards are live from the start. */
	bool have_usernet = false;
	for (unsigned i = 0; i < unix_n_devices; i++) {
		if (unix_devices[i].kind == UNIX_NET_USER) {
			host_usernet_poll_fill(unix_devices[i].usernet,
			                       &pollset, &timeout);
			have_usernet = true;
		}
	}

	/* The vchan links: doorbells rung since the last wait go out now;
	 * a peer's doorbell, arrival or departure ends the wait. */
	unix_shm_poll_fill(&pollset);

	/* Nothing to poll, nothing to run and no time to wait (fibers are
	 * ready, no device is open): skip the system call. */
	if (pollset.n == 0 && timeout == 0 && !have_usernet)
		return 0;
	/* A stop request (host/stop.h) ends the wait at once. */
	if (host_stop_fd() >= 0)
		host_pollset_add(&pollset, host_stop_fd(), POLLIN);

	struct timespec ts, *tsp = NULL;
	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000000000;
		ts.tv_nsec = timeout % 1000000000;
		tsp = &ts;
	}
	int r = ppoll(pollset.fds, pollset.n, tsp, NULL);
	if (r < 0 && errno != EINTR) {
		platform_abort("ppoll failed");
	}

	for (unsigned i = 0; i < unix_n_devices; i++)
		if (unix_devices[i].kind == UNIX_NET_USER)
			host_usernet_poll_done(unix_devices[i].usernet,
			                       &pollset, r);

	if (host_stop_requested())
		ready |= PLATFORM_STOP;
	ready |= unix_shm_poll_done(&pollset, r);
	for (unsigned h = 0; h < unix_n_handles; h++) {
		struct unix_device *d = unix_by_handle[h];
		bool in = false;
		if (d->kind == UNIX_NET_TAP && tap_index[h] >= 0 && r > 0)
			in = pollset.fds[tap_index[h]].revents &
			     (POLLIN | POLLERR | POLLHUP);
		else if (d->kind == UNIX_NET_USER)
			in = host_usernet_pending(d->usernet);
		if (in)
			ready |= (platform_device_set)1 << h;
	}
	return ready;
}
