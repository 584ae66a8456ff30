/*
 * ring0.h - markers for code and data of the supervisor (CPL 0) of the
 * x86_64 PVH targets. Kept apart from kernel.h so that pure parts (the
 * start-info parser, tested and fuzzed on the host) need nothing else.
 */
#ifndef X86_64_RING0_H
#define X86_64_RING0_H

/* Files holding ring-0 code begin with RING0_CODE: they must not touch
 * SSE registers (user state the supervisor never saves) and gcc must not
 * turn loops into calls to memset/memcpy built with SSE. */
#if defined(__clang__) || defined(KILN_FUZZ)
#define RING0_CODE /* host builds (fuzzing): plain code */
#else
#define RING0_CODE                                                             \
	_Pragma("GCC target(\"general-regs-only\")")                           \
	        _Pragma("GCC optimize(\"no-tree-loop-distribute-patterns\")")
#endif

/* Supervisor-only zeroed memory (page tables, descriptor tables, stacks).
 * The trailing '#' comments out the flags gcc would append, so the section
 * stays NOBITS (zeroed by the loader, not stored in the image). */
#define KERNEL_BSS __attribute__((section(".kbss,\"aw\",@nobits#")))

/* Supervisor-only initialised data (built at compile time, so that the
 * slow ring-0 boot does not have to fill it). */
#define KERNEL_DATA __attribute__((section(".kdata")))

#endif /* X86_64_RING0_H */
