/*
 * machine.h - the arm64 target's side of the shared aarch64 supervisor
 * (platform/aarch64/kernel.h): its boot_info fields and supervisor calls.
 */
#ifndef ARM64_MACHINE_H
#define ARM64_MACHINE_H

#include <stdint.h>

/* Supervisor calls of this target (numbers from kernel.h's SYS_MACHINE). */
enum {
	/* SYS_SLEEP (1): x0: virtual counter deadline (UINT64_MAX: none);
	 * returns the mask of device slots that interrupted. */
	SYS_IRQ_ROUTE = 16 /* x0: a virtio transport's INTID, x1: slot */
};

#define MACHINE_VIRTIO_MAX 32

/* boot_info's fields for this target: the virtio-mmio transports the
 * device tree lists (mapped for EL0), in tree order. */
#define MACHINE_BOOT_INFO                                                      \
	struct {                                                               \
		uint64_t base, size;                                           \
		uint32_t intid;                                                \
	} virtio[MACHINE_VIRTIO_MAX];                                          \
	unsigned virtio_count;                                                 \
	unsigned gic_version;

/* How many times platform_yield has asked the supervisor to sleep. A
 * sleep that waits in WFI costs one per wake-up; a spin would cost
 * thousands, which is how the tests tell them apart. */
extern uint64_t yield_sleeps;

#endif /* ARM64_MACHINE_H */
