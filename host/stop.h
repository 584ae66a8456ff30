/*
 * host/stop.h - SIGTERM and SIGINT as a request to stop a guest cleanly,
 * for the hosts of the unix target and kiln-hvt.
 *
 * The first signal sets a flag and writes a byte to a pipe; a host's wait
 * (ppoll) watches host_stop_fd(), so a wait in progress ends at once and
 * there is no window between checking the flag and sleeping. The host
 * then reports PLATFORM_STOP from every yield, and the guest's runtime
 * runs its exit hooks and exits 0. A second signal at least a second
 * after the first, for a guest that never yields again, ends the process
 * at once with 128 + the signal (_exit: allowed by kiln-hvt's sandbox,
 * where re-raising is not); one sooner is ignored, so a stopper that
 * signals both the launcher and the guest does not cut off the exit
 * hooks that print the counters.
 *
 * host_stop_init also ignores SIGPIPE: nothing a peer does may kill a
 * host process. A write to a socket or pipe whose reader has gone (a
 * client of a user-mode port forward that closed mid-response) fails
 * with EPIPE instead, and the writer treats that as a closed connection.
 */
#ifndef KILN_HOST_STOP_H
#define KILN_HOST_STOP_H

#include <stdbool.h>

/* Install the handlers (and ignore SIGPIPE); once, before the guest
 * runs. */
void host_stop_init(void);
/* The pipe's read end (readable once a stop was asked), or -1. */
int host_stop_fd(void);
bool host_stop_requested(void);

#endif /* KILN_HOST_STOP_H */
