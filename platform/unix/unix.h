/*
 * unix.h - what the unix platform's files share.
 */
#ifndef KILN_PLATFORM_UNIX_H
#define KILN_PLATFORM_UNIX_H

#include <kiln/platform.h>

#include "../../host/hostopt.h"
#include "../../host/stop.h"
#include "../../host/usernet.h"

enum unix_device_kind { UNIX_NET_TAP, UNIX_NET_USER, UNIX_BLOCK };

/* Frames the guest wrote to a user-mode network, waiting to be handed to
 * libslirp from platform_yield(): libslirp needs more stack than a fiber
 * has (host/usernet.h), and the loop's stack is the process's main
 * stack. When the queue is full, a write is refused with PLATFORM_AGAIN
 * (the host is congested) and counted. */
#define UNIX_TXQ_FRAMES 256
struct unix_txq {
	unsigned head, count;
	uint64_t full; /* writes refused because the queue was full */
	struct {
		uint16_t len;
		uint8_t data[HOST_USERNET_MTU + 14];
	} slot[UNIX_TXQ_FRAMES];
};

/* A device configured on the command line; opened at start so that
 * mistakes show before the unikernel boots. */
struct unix_device {
	enum unix_device_kind kind;
	char name[16]; /* "net0", "blk1", ... */
	int fd;        /* tap or block file; -1 for user-mode networking */
	struct host_usernet *usernet;
	struct unix_txq *txq; /* user-mode networking: frames to send */
	uint64_t capacity;    /* block: bytes, a multiple of 512 */
	bool vnet;            /* tap: frames carry a host_tap_vnet_hdr */
	uint32_t offloads;    /* tap: PLATFORM_NET_OFF_* turned on */
	bool acquired;
	platform_handle handle;
};

#define UNIX_MAX_DEVICES (HOST_MAX_NETS + HOST_MAX_BLOCKS)

extern struct unix_device unix_devices[UNIX_MAX_DEVICES];
extern unsigned unix_n_devices;
/* Acquired devices by handle (handles are given out in order). */
extern struct unix_device *unix_by_handle[PLATFORM_MAX_DEVICES];
extern unsigned unix_n_handles;

/* Open the devices of the host options; exits 1 with a message on
 * failure. */
void unix_devices_open(const struct host_options *o);

/* Give d the next handle. */
platform_handle unix_handle_assign(struct unix_device *d);

/* The device for handle h if it is of one of the kinds, else NULL. */
struct unix_device *unix_device_get(platform_handle h, bool net);

/* Hand every queued frame of the user-mode networks to libslirp. Only on
 * the loop's stack (platform_yield). */
void unix_usernet_flush(void);

/* At exit: report on stderr what the user-mode networks dropped or
 * refused, if anything. */
void unix_devices_report(void);

/* ------------------------------------------------ shared memory (shm.c) */

/* Channel i of the --vchan links is device handle UNIX_SHM_HANDLE_BASE +
 * i, above every configured device's. */
#define UNIX_SHM_HANDLE_BASE 24

struct host_pollset;

/* Rendezvous on the --vchan links of the host options; exits 1 with a
 * message on failure. */
void unix_shm_setup(const struct host_options *o);

/* Ring the doorbells marked since the last wait and add the links'
 * descriptors to the poll set; afterwards, the channels to report. */
void unix_shm_poll_fill(struct host_pollset *ps);
platform_device_set unix_shm_poll_done(const struct host_pollset *ps, int r);

/* Write a message line to stderr (unbuffered). */
void unix_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* KILN_PLATFORM_UNIX_H */
