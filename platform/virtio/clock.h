/*
 * clock.h - monotonic and wall time from the TSC (CPL 3).
 */
#ifndef VIRTIO_CLOCK_H
#define VIRTIO_CLOCK_H

#include <kiln/platform.h>
#include <stdint.h>

/* Pick the clock source and measure the TSC. Logs one line. */
void clock_init(void);

/* The TSC value at which the monotonic clock reaches deadline. */
uint64_t clock_deadline_tsc(platform_time deadline);

/* A short name of the source ("kvmclock", "tsc (cpuid 0x15)", ...). */
const char *clock_source(void);
uint64_t clock_tsc_hz(void);

#endif /* VIRTIO_CLOCK_H */
