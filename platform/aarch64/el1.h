/*
 * el1.h - markers for code and data of the EL1 supervisor of the aarch64
 * targets (arm64, rpi3). Kept apart from kernel.h so that pure parts (the
 * device-tree and ATAG parsers, tested and fuzzed on the host) need
 * nothing else.
 */
#ifndef AARCH64_EL1_H
#define AARCH64_EL1_H

/*
 * Files holding EL1 code begin with EL1_CODE:
 * - general registers only: the supervisor saves only those of the
 *   application, whose FP/SIMD registers must come back untouched;
 * - strict alignment: part of it runs before the MMU is on, when every
 *   data access is to device memory, where an unaligned access faults;
 * - no loops turned into calls to memset/memcpy (the C library's, built
 *   without either rule).
 */
#if defined(__clang__) || defined(KILN_FUZZ) || !defined(__aarch64__)
#define EL1_CODE /* host builds (tests, fuzzing): plain code */
#else
#define EL1_CODE                                                               \
	_Pragma("GCC target(\"general-regs-only,strict-align\")")              \
	        _Pragma("GCC optimize(\"no-tree-loop-distribute-patterns\")")
#endif

/* Supervisor-only zeroed memory (translation tables, stacks, the
 * supervisor's own copy of what user code may not change). boot.S zeroes
 * it (a raw kernel8.img has no loader to do so). The trailing "//" (the
 * assembler's comment) hides the flags gcc would append, so the section
 * stays NOBITS. */
#define KERNEL_BSS __attribute__((section(".kbss,\"aw\",%nobits//")))

#endif /* AARCH64_EL1_H */
