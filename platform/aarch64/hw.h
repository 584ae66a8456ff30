/*
 * hw.h - aarch64 instructions the Kiln targets on 64-bit ARM (arm64,
 * rpi3) need: device register access, barriers, system registers, the
 * generic timer's counter. The MMIO accessors and barriers are also the
 * ones the shared virtio drivers use (platform/virtio_drivers/
 * virtio_host.h lists what they expect of every architecture).
 */
#ifndef AARCH64_HW_H
#define AARCH64_HW_H

#include <stdbool.h>
#include <stdint.h>

/* Device registers: single accesses of the stated width, in program
 * order (device memory, nGnRE, keeps them so). */
static inline uint8_t mmio_read8(uintptr_t a)
{
	uint8_t v;
	__asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint16_t mmio_read16(uintptr_t a)
{
	uint16_t v;
	__asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint32_t mmio_read32(uintptr_t a)
{
	uint32_t v;
	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void mmio_write8(uintptr_t a, uint8_t v)
{
	__asm__ volatile("strb %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void mmio_write16(uintptr_t a, uint16_t v)
{
	__asm__ volatile("strh %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void mmio_write32(uintptr_t a, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

/* Order memory shared with a device (rings, buffers) against other
 * memory and device-register accesses, in both directions: a full-system
 * data synchronization barrier. */
static inline void mem_barrier(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static inline void compiler_barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

/* A spin-wait hint. */
static inline void cpu_pause(void)
{
	__asm__ volatile("yield");
}

static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

/* System registers by name. */
#define read_sysreg(name)                                                      \
	({                                                                     \
		uint64_t v_;                                                   \
		__asm__ volatile("mrs %0, " #name : "=r"(v_));                 \
		v_;                                                            \
	})
#define write_sysreg(name, v)                                                  \
	__asm__ volatile("msr " #name ", %x0"                                  \
	                 :                                                     \
	                 : "rZ"((uint64_t)(v))                                 \
	                 : "memory")

/* The generic timer's virtual counter and its frequency; both readable
 * at EL0 (the supervisor sets CNTKCTL_EL1.EL0VCTEN). The isb keeps the
 * read from being taken early. */
static inline uint64_t counter_now(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

static inline uint64_t counter_frequency(void)
{
	return read_sysreg(cntfrq_el0);
}

/* One value from RNDR (FEAT_RNG; the caller checks the CPU has it): it
 * sets NZCV to 0b0100 when no value could be had in reasonable time. */
static inline bool rndr_word(uint64_t *out)
{
	for (int tries = 0; tries < 32; tries++) {
		uint64_t v, nzcv;
		__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tmrs %1, nzcv"
		                 : "=r"(v), "=r"(nzcv)
		                 :
		                 : "cc");
		if (!(nzcv & (1ull << 30))) {
			*out = v;
			return true;
		}
	}
	return false;
}

#endif /* AARCH64_HW_H */
