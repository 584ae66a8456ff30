/*
 * entry.S - the supervisor's ways in and out: one stub per interrupt
 * vector (all funnel into trap_entry, which saves the general registers
 * and calls trap() in supervisor.c), the drop to CPL 3, and the switch to
 * the final page tables and stack.
 *
 * The frame built here is struct trap_frame in supervisor.c.
 *
 * Three paths skip the C code: on KVMs that emulate ring 0 (PVM) every
 * supervisor instruction costs about 0.4 us and delivering an exception
 * about 40 us, and these run on every sleep of the event loop:
 *  - the timer interrupt: acknowledge, return;
 *  - device interrupts: set the device's bit in supervisor_irq_pending,
 *    acknowledge, return;
 *  - the SYS_SLEEP supervisor call when the LAPIC timer takes TSC
 *    deadlines: arm it, sti; hlt, disarm, return the pending bits.
 * Everything else goes through trap() in supervisor.c.
 */
#define SUPERVISOR_CALL_INSN 0x534b0b0f
#define SYS_SLEEP 1
#define MSR_TSC_DEADLINE 0x6e0
#define TIMER_VECTOR 32
#define DEVICE_VECTOR_BASE 33
#define DEVICE_VECTORS 16

	.text

	/* One stub per vector, at trap_stubs + 16 * v, where IDT entry v
	 * points (supervisor.c). A stub longer than 16 bytes makes the next
	 * .org go backwards: an assembler error. */
	.macro stub vector
	.org trap_stubs + 16 * \vector, 0xcc
	.if \vector == 6
	jmp invalid_opcode
	.elseif \vector == TIMER_VECTOR
	pushq %rax
	jmp eoi_return
	.elseif (\vector >= DEVICE_VECTOR_BASE) && (\vector < DEVICE_VECTOR_BASE + DEVICE_VECTORS)
	pushq %rax
	movl $(1 << (\vector - DEVICE_VECTOR_BASE)), %eax
	jmp device_interrupt
	.else
	/* Vectors whose exceptions push an error code push nothing more;
	 * the others push a 0 so the frame always has the same shape. */
	.if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
	.else
	pushq $0
	.endif
	pushq $\vector
	jmp trap_entry
	.endif
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

	/* A device interrupt: %eax holds the slot's bit (the interrupted
	 * %rax is on the stack). */
device_interrupt:
	lock orl %eax, supervisor_irq_pending(%rip)
	/* End of interrupt (the local APIC's EOI register), then return. The
	 * interrupted %rax is on the stack. */
eoi_return:
	movq supervisor_eoi_register(%rip), %rax
	movl $0, (%rax)
	popq %rax
	iretq

	/*
	 * #UD: the SYS_SLEEP fast path, if the faulting instruction is the
	 * supervisor-call sequence in .text at CPL 3 and the timer takes TSC
	 * deadlines. %rcx and %rdx are the caller's to lose (supervisor_call
	 * declares them clobbered); %rax returns the pending device bits.
	 */
invalid_opcode:
	testb $3, 8(%rsp)               /* from CPL 3? */
	jz 1f
	testb $1, supervisor_fast_sleep(%rip)
	jz 1f
	cmpq $SYS_SLEEP, %rax
	jne 1f
	movq (%rsp), %rcx               /* the caller's rip */
	cmpq $__text_start, %rcx
	jb 1f
	cmpq $(__text_end - 4), %rcx
	ja 1f
	cmpl $SUPERVISOR_CALL_INSN, (%rcx)
	jne 1f
	addq $4, (%rsp)                 /* resume after the sequence */
	cmpl $0, supervisor_irq_pending(%rip)
	jne 3f                          /* already something to report */
	cmpq $-1, %rdi
	je 2f                           /* no deadline: devices only */
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	cmpq %rdi, %rax
	jae 3f                          /* the deadline has passed */
	movl $MSR_TSC_DEADLINE, %ecx
	movl %edi, %eax
	movq %rdi, %rdx
	shrq $32, %rdx
	wrmsr
2:	sti                             /* its shadow covers hlt */
	hlt
	cli
	cmpq $-1, %rdi
	je 3f
	movl $MSR_TSC_DEADLINE, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
3:	xorl %eax, %eax
	xchgl %eax, supervisor_irq_pending(%rip)
	iretq
1:	pushq $0
	pushq $6
	jmp trap_entry

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
