/*
 * Fiber context switch for x86_64 (System V ABI).
 *
 * A switched-out context is its stack: the callee-saved registers and the
 * SSE/x87 control words pushed by rt_ctx_switch, topped by the address to
 * return to. Everything else is caller-saved, so the C compiler has
 * already spilled what it needs.
 *
 * Frame layout at the saved stack pointer (low to high addresses):
 *   +0  mxcsr (4 bytes)   +4  x87 control word (2 bytes, 2 padding)
 *   +8  r15  +16 r14  +24 r13  +32 r12  +40 rbx  +48 rbp
 *   +56 return address
 * fiber.c builds the same frame for a fiber that has never run, with
 * rt_ctx_start as the return address, the entry function in r13 and its
 * argument in r12.
 */
	.text

/* void rt_ctx_switch(void **save_sp, void *new_sp) */
	.globl rt_ctx_switch
	.type rt_ctx_switch, @function
rt_ctx_switch:
	.cfi_startproc
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)

	movq %rsi, %rsp
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.cfi_endproc
	.size rt_ctx_switch, .-rt_ctx_switch

/* First code of a new fiber: entry(arg), which never returns. */
	.globl rt_ctx_start
	.type rt_ctx_start, @function
rt_ctx_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl %ebp, %ebp
	movq %r12, %rdi
	callq *%r13
	ud2
	.cfi_endproc
	.size rt_ctx_start, .-rt_ctx_start

	.section .note.GNU-stack, "", @progbits
