/*
 * gic.h - the Arm Generic Interrupt Controller as the arm64 supervisor
 * uses it (gic.c): version 2 (memory-mapped CPU interface) or 3 (system
 * registers, a redistributor per CPU), one CPU, every interrupt level-
 * triggered at one priority, nothing preempting anything. Interrupts are
 * never taken as exceptions: the supervisor waits in WFI with them
 * masked and collects them with gic_ack() afterwards.
 */
#ifndef ARM64_GIC_H
#define ARM64_GIC_H

#include <stdint.h>

#define GIC_SPURIOUS 1023

/* Set the distributor (and the CPU interface or redistributor) up with
 * every interrupt disabled. version is 2 or 3; cpu_or_redist is the
 * GICv2 CPU interface or the GICv3 redistributor of this CPU. */
void gic_init(unsigned version, uint64_t dist, uint64_t cpu_or_redist);

/* Let intid (a PPI or an SPI) reach the CPU, or stop it. */
void gic_enable(uint32_t intid);
void gic_disable(uint32_t intid);

/* The highest pending interrupt, now active (GIC_SPURIOUS if none), and
 * its end. */
uint32_t gic_ack(void);
void gic_eoi(uint32_t intid);

#endif /* ARM64_GIC_H */
