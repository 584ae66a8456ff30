/*
 * platform/hvt/hypercall.h - the guest side of the hvt hypercall: one port
 * write carrying the 32-bit address of the argument struct. The guest is
 * identity-mapped below 4 GiB, so a pointer is its guest address.
 */
#ifndef KILN_HVT_HYPERCALL_H
#define KILN_HVT_HYPERCALL_H

#include "hvt_abi.h"

#include <stdint.h>

static inline void hvt_call(unsigned nr, void *arg)
{
	__asm__ volatile("outl %0, %w1"
	                 :
	                 : "a"((uint32_t)(uintptr_t)arg),
	                   "Nd"((uint16_t)(HVT_PORT_BASE + nr))
	                 : "memory");
}

/* The boot info the monitor left at HVT_BOOT_INFO (read-only). */
extern const struct hvt_boot_info *hvt_boot;

#endif /* KILN_HVT_HYPERCALL_H */
