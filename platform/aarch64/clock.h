/*
 * clock.h - time at EL0 from the generic timer's virtual counter, which
 * user code reads without a supervisor call (clock.c).
 */
#ifndef AARCH64_CLOCK_H
#define AARCH64_CLOCK_H

#include <kiln/platform.h>
#include <stdint.h>

/* Read the counter's frequency; monotonic time starts here. */
void clock_init(void);

/* The counter value at which the monotonic clock reaches t (rounded up,
 * so a sleep until it never ends early). */
uint64_t clock_deadline_counter(platform_time t);

#endif /* AARCH64_CLOCK_H */
