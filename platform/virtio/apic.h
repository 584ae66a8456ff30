/*
 * apic.h - the local APIC (timer, end of interrupt) and the I/O APIC
 * (routing virtio-mmio interrupt lines). Supervisor only.
 */
#ifndef VIRTIO_APIC_H
#define VIRTIO_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_DEFAULT_BASE 0xfee00000ull
#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC2_BASE 0xfec10000ull

/* Map and enable the local APIC, set up its timer (TSC-deadline mode
 * when the CPU has it, else one-shot mode calibrated against the TSC).
 * Returns BOOT_* flags describing what works. */
uint32_t apic_init(uint32_t *lapic_id);

/* The timer works (either mode). */
bool apic_timer_available(void);

/* Fire TIMER_VECTOR at TSC value deadline (or soon after). */
void apic_timer_arm(uint64_t deadline);
void apic_timer_disarm(void);

/* The address of the EOI register (entry.S writes it). */
uint64_t apic_eoi_register(void);

/* Send I/O APIC input gsi to vector (edge-triggered, unmasked). */
bool ioapic_route(uint32_t gsi, uint8_t vector);

#endif /* VIRTIO_APIC_H */
