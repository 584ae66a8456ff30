/*
 * mmu.h - the supervisor's translation tables (mmu.c): building them at
 * boot and switching the MMU on.
 */
#ifndef AARCH64_MMU_H
#define AARCH64_MMU_H

#include <stdint.h>

/* Map the image by section rights and the heap [heap_lo, heap_hi) as
 * user read-write (kernel.h, image.ld). MMU still off. */
void mmu_build(uint64_t heap_lo, uint64_t heap_hi);

/* Load the tables and turn on the MMU, caches and WXN. */
void mmu_enable(void);

#endif /* AARCH64_MMU_H */
