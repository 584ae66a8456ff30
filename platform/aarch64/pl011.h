/*
 * pl011.h - the ARM PL011 UART as the console of the aarch64 targets.
 * Usable at EL1 (reports, also before the MMU is on) and at EL0 (the
 * supervisor maps the registers for user code).
 */
#ifndef AARCH64_PL011_H
#define AARCH64_PL011_H

#include <stddef.h>
#include <stdint.h>

/* Program 115200 8N1 from a reference clock of clock_hz (0: leave the
 * line settings alone, as QEMU and firmware that set the UART up do). */
void pl011_init(uint64_t base, uint32_t clock_hz);

/* Write n bytes, waiting while the transmit FIFO is full. */
void pl011_write(uint64_t base, const char *s, size_t n);

/* Wait until every byte written has left the UART. */
void pl011_drain(uint64_t base);

#endif /* AARCH64_PL011_H */
