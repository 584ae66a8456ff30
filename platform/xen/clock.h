/*
 * clock.h - monotonic and wall time from Xen's shared-info page (CPL 3).
 */
#ifndef XEN_CLOCK_H
#define XEN_CLOCK_H

#include <kiln/platform.h>
#include <stdint.h>

/* Note the system time at boot: the monotonic clock starts there. */
void clock_init(void);

/* Xen system time (ns) at which the monotonic clock reaches deadline. */
uint64_t clock_xen_deadline(platform_time deadline);

#endif /* XEN_CLOCK_H */
