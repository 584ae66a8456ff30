/*
 * vectors.S - the EL1 exception vectors of the aarch64 targets, and the
 * way down to EL0.
 *
 * Every exception saves the interrupted registers in a struct trap_frame
 * (kernel.h) on the supervisor stack and calls
 * supervisor_trap(frame, kind); whatever the frame then holds is restored
 * on return (x0 carries a supervisor call's result). EL0 runs with
 * interrupts masked, and the supervisor only waits for them in WFI with
 * them masked too, so an IRQ is never taken: those entries, like FIQ and
 * SError, report and stop.
 */
#define FRAME 288 /* sizeof(struct trap_frame), 16-byte aligned */

	.macro entry kind
	.balign 128
	sub sp, sp, #FRAME
	stp x0, x1, [sp, #0]
	mov x1, #\kind
	b trap_common
	.endm

	.text
	.balign 2048
	.globl exception_vectors
exception_vectors:
	/* Current EL with SP_EL0: never used. */
	entry 2
	entry 2
	entry 2
	entry 2
	/* Current EL with SP_EL1: the supervisor itself. */
	entry 1
	entry 2
	entry 2
	entry 2
	/* Lower EL, AArch64: the application. */
	entry 0
	entry 2
	entry 2
	entry 2
	/* Lower EL, AArch32: never used. */
	entry 2
	entry 2
	entry 2
	entry 2

trap_common:
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	stp x8, x9, [sp, #64]
	stp x10, x11, [sp, #80]
	stp x12, x13, [sp, #96]
	stp x14, x15, [sp, #112]
	stp x16, x17, [sp, #128]
	stp x18, x19, [sp, #144]
	stp x20, x21, [sp, #160]
	stp x22, x23, [sp, #176]
	stp x24, x25, [sp, #192]
	stp x26, x27, [sp, #208]
	stp x28, x29, [sp, #224]
	mrs x2, sp_el0
	stp x30, x2, [sp, #240]
	mrs x2, elr_el1
	mrs x3, spsr_el1
	stp x2, x3, [sp, #256]
	mrs x2, esr_el1
	mrs x3, far_el1
	stp x2, x3, [sp, #272]
	mov x0, sp
	mov x29, #0
	bl supervisor_trap

	ldp x2, x3, [sp, #256]
	msr elr_el1, x2
	msr spsr_el1, x3
	ldp x30, x2, [sp, #240]
	msr sp_el0, x2
	ldp x28, x29, [sp, #224]
	ldp x26, x27, [sp, #208]
	ldp x24, x25, [sp, #192]
	ldp x22, x23, [sp, #176]
	ldp x20, x21, [sp, #160]
	ldp x18, x19, [sp, #144]
	ldp x16, x17, [sp, #128]
	ldp x14, x15, [sp, #112]
	ldp x12, x13, [sp, #96]
	ldp x10, x11, [sp, #80]
	ldp x8, x9, [sp, #64]
	ldp x6, x7, [sp, #48]
	ldp x4, x5, [sp, #32]
	ldp x2, x3, [sp, #16]
	ldp x0, x1, [sp, #0]
	add sp, sp, #FRAME
	eret

/*
 * void enter_user(void (*pc)(void), uint64_t sp): start EL0 at pc with
 * stack sp, interrupts masked (SPSR 0x3c0: EL0t, D A I F set), the
 * supervisor stack reset to its top and no supervisor value left in a
 * general register.
 */
	.globl enter_user
enter_user:
	msr elr_el1, x0
	msr sp_el0, x1
	mov x2, #0x3c0
	msr spsr_el1, x2
	ldr x2, =supervisor_stack_top
	mov sp, x2
	mov x0, #0
	mov x1, #0
	mov x2, #0
	mov x3, #0
	mov x4, #0
	mov x5, #0
	mov x6, #0
	mov x7, #0
	mov x8, #0
	mov x9, #0
	mov x10, #0
	mov x11, #0
	mov x12, #0
	mov x13, #0
	mov x14, #0
	mov x15, #0
	mov x16, #0
	mov x17, #0
	mov x18, #0
	mov x19, #0
	mov x20, #0
	mov x21, #0
	mov x22, #0
	mov x23, #0
	mov x24, #0
	mov x25, #0
	mov x26, #0
	mov x27, #0
	mov x28, #0
	mov x29, #0
	mov x30, #0
	eret
	.ltorg
