/*
 * Fiber context switch for aarch64 (AAPCS64).
 *
 * A switched-out context is its stack: the callee-saved registers x19-x28,
 * the frame pointer x29, the link register x30 (where to resume), the low
 * halves of v8-v15 (d8-d15) and FPCR, stored by rt_ctx_switch. Everything
 * else is caller-saved, so the C compiler has already spilled what it
 * needs.
 *
 * Frame layout at the saved stack pointer (176 bytes, low to high):
 *   +0   x19 x20   +16  x21 x22   +32  x23 x24   +48  x25 x26
 *   +64  x27 x28   +80  x29 x30   +96  d8 d9     +112 d10 d11
 *   +128 d12 d13   +144 d14 d15   +160 fpcr      +168 (padding)
 * frame.c builds the same frame for a fiber that has never run, with
 * rt_ctx_start in x30, the entry function in x19 and its argument in x20.
 */
	.text

/* void rt_ctx_switch(void **save_sp, void *new_sp) */
	.globl rt_ctx_switch
	.type rt_ctx_switch, %function
	.balign 16
rt_ctx_switch:
	.cfi_startproc
	sub sp, sp, #176
	stp x19, x20, [sp, #0]
	stp x21, x22, [sp, #16]
	stp x23, x24, [sp, #32]
	stp x25, x26, [sp, #48]
	stp x27, x28, [sp, #64]
	stp x29, x30, [sp, #80]
	stp d8, d9, [sp, #96]
	stp d10, d11, [sp, #112]
	stp d12, d13, [sp, #128]
	stp d14, d15, [sp, #144]
	mrs x9, fpcr
	str x9, [sp, #160]
	mov x9, sp
	str x9, [x0]

	mov sp, x1
	ldr x9, [sp, #160]
	msr fpcr, x9
	ldp d14, d15, [sp, #144]
	ldp d12, d13, [sp, #128]
	ldp d10, d11, [sp, #112]
	ldp d8, d9, [sp, #96]
	ldp x29, x30, [sp, #80]
	ldp x27, x28, [sp, #64]
	ldp x25, x26, [sp, #48]
	ldp x23, x24, [sp, #32]
	ldp x21, x22, [sp, #16]
	ldp x19, x20, [sp, #0]
	add sp, sp, #176
	ret
	.cfi_endproc
	.size rt_ctx_switch, .-rt_ctx_switch

/* First code of a new fiber: entry(arg), which never returns. */
	.globl rt_ctx_start
	.type rt_ctx_start, %function
	.balign 16
rt_ctx_start:
	.cfi_startproc
	.cfi_undefined x30
	mov x29, #0
	mov x30, #0
	mov x0, x20
	blr x19
	brk #0
	.cfi_endproc
	.size rt_ctx_start, .-rt_ctx_start

	.section .note.GNU-stack, "", %progbits
