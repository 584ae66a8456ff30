/*
 * entry.S - the supervisor's ways in and out: one stub per interrupt
 * vector (all funnel into trap_entry, which saves the general registers
 * and calls trap() in supervisor.c), the drop to CPL 3, and the switch to
 * the final page tables and stack.
 *
 * The frame built here is struct trap_frame in supervisor.c.
 */
	.text

	/* Vectors whose exceptions push an error code themselves. */
	.macro stub vector
	.balign 16
	.if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
	.else
	pushq $0
	.endif
	pushq $\vector
	jmp trap_entry
	.endm

	.balign 16
	.globl trap_stubs
trap_stubs:
	.altmacro
	.set vec, 0
	.rept 256
	stub %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

trap_entry:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp          /* vector and error code */
	iretq

	/* enter_user(rip, rsp, rflags): iretq to CPL 3. */
	.globl enter_user
enter_user:
	movl $0x1b, %eax
	movl %eax, %ds
	movl %eax, %es
	pushq $0x1b             /* ss: user data */
	pushq %rsi              /* rsp */
	pushq %rdx              /* rflags */
	pushq $0x23             /* cs: user code */
	pushq %rdi              /* rip */
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	iretq

	/* switch_tables(cr3, stack_top, fn): load the final page tables,
	 * move to the supervisor stack and call fn(), which never returns.
	 * The boot stack is unmapped once %cr3 changes, so this happens
	 * in one step without touching it. */
	.globl switch_tables
switch_tables:
	movq %rdi, %cr3
	movq %rsi, %rsp
	xorl %ebp, %ebp
	call *%rdx
1:	hlt
	jmp 1b

	/* load_gdt(pointer): load a GDT and reload every segment. */
	.globl load_gdt
load_gdt:
	lgdt (%rdi)
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	popq %rax               /* return address */
	pushq $0x08
	pushq %rax
	lretq
