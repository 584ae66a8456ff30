/*
 * boot.S - the first instructions of an aarch64 Kiln image (arm64, rpi3).
 *
 * Entered at the image's load address with the MMU off, at EL2 (rpi3,
 * QEMU virt with virtualization=on) or EL1 (QEMU virt), x0 holding what
 * the loader passes (a device tree, ATAGs, or 0). Any core but core 0 is
 * parked. From EL2 the image drops to EL1 (AArch64, no traps of timer or
 * FP/SIMD, virtual counter offset 0); at EL1 it zeroes the NOBITS
 * sections (a raw kernel8.img has no loader to do it), takes the
 * supervisor stack and calls kernel_main(x0).
 */
#define SCTLR_EL1_RES1 0x30d00800 /* MMU, caches and alignment check off */
#define SPSR_EL1H_MASKED 0x3c5    /* EL1 with SP_EL1, D, A, I, F masked */
#define HCR_EL2_RW (1 << 31)      /* EL1 runs AArch64 */
#define CNTHCTL_EL1_ACCESS 3      /* EL1PCTEN | EL1PCEN */
#define CPTR_EL2_NO_TRAPS 0x33ff  /* RES1 bits, TFP clear */

	.section .text.boot, "ax"
	.globl _start
_start:
	mov x19, x0
	mrs x1, mpidr_el1
	and x1, x1, #0xff
	cbnz x1, aarch64_park

	mrs x1, CurrentEL
	lsr x1, x1, #2
	cmp x1, #2
	b.ne 1f
	/* EL2: hand EL1 the machine. */
	mov x1, #HCR_EL2_RW
	msr hcr_el2, x1
	mov x1, #CNTHCTL_EL1_ACCESS
	msr cnthctl_el2, x1
	msr cntvoff_el2, xzr
	mov x1, #CPTR_EL2_NO_TRAPS
	msr cptr_el2, x1
	msr hstr_el2, xzr
	ldr x1, =SCTLR_EL1_RES1
	msr sctlr_el1, x1
	mov x1, #SPSR_EL1H_MASKED
	msr spsr_el2, x1
	adr x1, 1f
	msr elr_el2, x1
	eret
1:
	/* EL1, in a known state whatever the loader left. */
	msr daifset, #0xf
	ldr x1, =SCTLR_EL1_RES1
	msr sctlr_el1, x1
	isb

	ldr x1, =__bss_start
	ldr x2, =__data_end
	bl zero_range
	ldr x1, =__kbss_start
	ldr x2, =__kbss_end
	bl zero_range

	ldr x1, =supervisor_stack_top
	mov sp, x1
	mov x29, #0
	mov x0, x19
	bl kernel_main
	b aarch64_park

/* Zero [x1, x2): both 16-byte aligned (image.ld). */
zero_range:
	cmp x1, x2
	b.hs 2f
	stp xzr, xzr, [x1], #16
	b zero_range
2:	ret

/* A core with nothing to do: asleep for good (nothing is ever routed to
 * it, so WFI does not return; the loop is for spurious wake-ups). Also
 * where rpi3 sends the secondary cores from the firmware's spin table. */
	.globl aarch64_park
aarch64_park:
	msr daifset, #0xf
3:	wfi
	b 3b
	.ltorg

/* The supervisor's stack, with an unmapped guard page below it. */
	.section .kbss, "aw", %nobits
	.balign 4096
	.globl supervisor_stack_guard
supervisor_stack_guard:
	.skip 4096
	.skip 16384
	.globl supervisor_stack_top
supervisor_stack_top:
