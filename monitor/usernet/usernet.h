/*
 * monitor/usernet/usernet.h - kiln-usernet's parts.
 */
#ifndef KILN_USERNET_MAIN_H
#define KILN_USERNET_MAIN_H

#include <sys/types.h>

/* Confine the serving process to what it needs from here on: its socket,
 * libslirp's sockets, memory, time, and (peer > 0) SIGTERM to peer.
 * -1 if the filter could not be installed. */
int usernet_seccomp(pid_t peer);

#endif /* KILN_USERNET_MAIN_H */
