/*
 * stop.h - the host's stop request on the second UART (stop.c).
 */
#ifndef VIRTIO_STOP_H
#define VIRTIO_STOP_H

#include <stdbool.h>
#include <stdint.h>

/* Find the UART and route its interrupt; after devices_discover(). */
void stop_init(void);
/* Whether the host has asked the guest to stop. */
bool stop_asked(void);
/* Read what the UART received; true once the request has come. */
bool stop_check(void);
/* The UART has no interrupt: poll it while sleeping. */
bool stop_polled(void);
/* The bit SYS_SLEEP returns for the UART's interrupt, or 0. */
uint64_t stop_slot_bit(void);

#endif /* VIRTIO_STOP_H */
