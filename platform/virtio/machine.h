/*
 * machine.h - the virtio target's side of the shared x86_64 supervisor
 * (platform/x86_64/kernel.h): its boot_info fields and supervisor calls.
 */
#ifndef VIRTIO_MACHINE_H
#define VIRTIO_MACHINE_H

#include "pvclock.h"
#include <stdint.h>

/* Supervisor calls of this target (numbers from kernel.h's SYS_MACHINE). */
enum {
	/* SYS_SLEEP (1): rdi: TSC deadline (UINT64_MAX: none); returns the
	 * mask of device slots that interrupted. */
	SYS_MAP_MMIO = 16, /* rdi: physical address, rsi: length */
	SYS_IRQ_ROUTE = 17 /* rdi: IOAPIC input (GSI), rsi: device slot */
};

enum {
	BOOT_KVMCLOCK = 1 << 0,     /* pvclock below is live */
	BOOT_TSC_DEADLINE = 1 << 1, /* the LAPIC timer takes TSC deadlines */
	BOOT_LAPIC_TIMER = 1 << 2,  /* one-shot LAPIC timer calibrated */
	BOOT_IOAPIC = 1 << 3        /* an IOAPIC answered */
};

struct pvclock_wall {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};

/* boot_info's fields for this target: the BOOT_* flags, the local APIC's
 * id, and the KVM clock pages (written by the host when BOOT_KVMCLOCK). */
#define MACHINE_BOOT_INFO                                                      \
	uint32_t flags;                                                        \
	uint32_t lapic_id;                                                     \
	struct pvclock_time pvclock __attribute__((aligned(64)));              \
	struct pvclock_wall pvwall __attribute__((aligned(64)));

/* How many times platform_yield has asked the supervisor to sleep (each
 * SYS_SLEEP). A sleep that really halts costs one per wake-up; a spin
 * would cost thousands, which is how the tests tell them apart. */
extern uint64_t yield_sleeps;

#endif /* VIRTIO_MACHINE_H */
