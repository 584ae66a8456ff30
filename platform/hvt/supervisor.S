/*
 * platform/hvt/supervisor.S - the CPL 0 supervisor of the hvt target.
 *
 * This is not linked into the image: kiln-hvt assembles it into itself and
 * copies the bytes between hvt_supervisor_start and hvt_supervisor_end to
 * guest address HVT_SUPER_CODE, on a page mapped supervisor-only,
 * read+execute. The image cannot change it, and it cannot be left out.
 *
 * It does two things, both rare (ring 0 is slow on emulating KVMs):
 *  - every exception (vectors 0-31) is stored into the fault record of
 *    struct hvt_super_data and reported to the monitor through the
 *    HVT_CALL_FAULT port; the guest never runs again.
 *  - a supervisor call (HVT_SUPER_CALL_INSN at CPL 3, or int
 *    $HVT_SUPER_VECTOR where the KVM delivers it) turns a heap page into a
 *    guard page or back (PTE present bit + invlpg), after checking the
 *    page lies in the heap.
 *
 * Every gate runs on the IST 1 stack. Position-independent: only absolute
 * addresses from hvt_abi.h and offsets inside this blob are used. No SSE:
 * it is plain integer code.
 */
#include "hvt_abi.h"

	.section .rodata.hvt_supervisor, "a"
	.code64
	.balign 16
	.globl hvt_supervisor_start
hvt_supervisor_start:

/* 32 exception stubs, 16 bytes apart: the monitor points IDT entry v at
 * hvt_supervisor_vectors + 16 * v. Vectors that push no error code push
 * a 0 so the frame always has the same shape. */
	.globl hvt_supervisor_vectors
hvt_supervisor_vectors:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 16
	.if \v == 6
	jmp invalid_opcode
	.elseif (\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp fault
	.endr

/*
 * Stack: vector, error code, then the CPU's frame: rip, cs, rflags, rsp, ss.
 * Copy it into the fault record and tell the monitor. Registers need not
 * be kept: the guest is over.
 */
	.balign 16
fault:
	movl $(HVT_SUPER_DATA + HVT_SD_FAULT), %edi
	popq %rax
	movq %rax, 0(%rdi)   /* vector */
	popq %rax
	movq %rax, 8(%rdi)   /* error code */
	movq %cr2, %rax
	movq %rax, 16(%rdi)  /* cr2 */
	popq %rax
	movq %rax, 24(%rdi)  /* rip */
	popq %rax
	movq %rax, 32(%rdi)  /* cs */
	popq %rax
	movq %rax, 40(%rdi)  /* rflags */
	popq %rax
	movq %rax, 48(%rdi)  /* rsp */
	popq %rax
	movq %rax, 56(%rdi)  /* ss */
	movl %edi, %eax
	movw $(HVT_PORT_BASE + HVT_CALL_FAULT), %dx
	outl %eax, %dx
1:	hlt
	jmp 1b

/*
 * #UD: a supervisor call when CPL 3 executed the HVT_SUPER_CALL_INSN
 * sequence (ud2 and a two-byte marker); any other #UD is a fault. Software
 * interrupts cannot serve as the call gate: KVMs that run guest user mode
 * in host ring 3 (PVM) do not deliver "int n" to the guest's IDT.
 */
	.balign 16
invalid_opcode:
	testb $3, 8(%rsp)         /* the caller's CS: from CPL 3? */
	jz 1f
	pushq %rcx
	pushq %rdx
	movq 16(%rsp), %rcx       /* the caller's rip */
	/* Read the 4-byte sequence only if it lies in rip's page: a ud2 on
	 * a page's last bytes may be followed by an unmapped page. */
	movl %ecx, %edx
	andl $(HVT_PAGE_SIZE - 1), %edx
	cmpl $(HVT_PAGE_SIZE - 4), %edx
	ja 2f                     /* ZF clear: "not a call" below */
	cmpl $HVT_SUPER_CALL_INSN, (%rcx)
2:	popq %rdx                 /* pops keep the flags */
	popq %rcx
	jne 1f
	addq $4, (%rsp)           /* resume after the sequence */
	jmp hvt_supervisor_call
1:	pushq $0
	pushq $6
	jmp fault

/*
 * Supervisor call: rax = call, rdi, rsi = arguments; result in rax
 * (HVT_OK or HVT_EINVAL). Every other register is preserved.
 */
	.balign 16
	.globl hvt_supervisor_call
hvt_supervisor_call:
	pushq %rcx
	pushq %rdx
	cmpq $HVT_SUPER_GUARD_PAGE, %rax
	jne 9f
	testq $(HVT_PAGE_SIZE - 1), %rdi
	jnz 9f
	movl $HVT_SUPER_DATA, %ecx
	cmpq HVT_SD_HEAP_START(%rcx), %rdi
	jb 9f
	cmpq HVT_SD_HEAP_END(%rcx), %rdi
	jae 9f
	/* The monitor maps the heap's whole 2 MiB stretches as 2 MiB
	 * pages. Inside one, fill its page table (4 KiB pages, the same
	 * permissions) and point the directory entry at it first; the
	 * invlpg below drops the old 2 MiB translation. */
	movq %rdi, %rdx
	shrq $21, %rdx
	shlq $3, %rdx
	addq HVT_SD_PD_BASE(%rcx), %rdx /* rdx = &pde */
	testq $0x80, (%rdx)       /* PS: a 2 MiB page? */
	jz 4f
	pushq %rdi
	pushq %rsi
	andq $-0x200000, %rdi     /* the 2 MiB page */
	movq %rdi, %rax
	shrq $9, %rax
	addq HVT_SD_PT_BASE(%rcx), %rax /* rax = its page table */
	movabsq $0x8000000000000007, %rsi /* NX, user, writable, present */
	orq %rdi, %rsi
	xorl %ecx, %ecx
5:	movq %rsi, (%rax,%rcx,8)
	addq $HVT_PAGE_SIZE, %rsi
	incl %ecx
	cmpl $512, %ecx
	jb 5b
	orq $7, %rax              /* user, writable, present */
	movq %rax, (%rdx)
	popq %rsi
	popq %rdi
	movl $HVT_SUPER_DATA, %ecx
4:	movq %rdi, %rdx
	shrq $12, %rdx
	shlq $3, %rdx
	addq HVT_SD_PT_BASE(%rcx), %rdx /* rdx = &pte */
	testq %rsi, %rsi
	jz 2f
	andq $~1, (%rdx)  /* guard: not present */
	jmp 3f
2:	orq $1, (%rdx)    /* unguard: present again */
3:	invlpg (%rdi)
	xorl %eax, %eax
	jmp 8f
9:	movl $HVT_EINVAL, %eax
8:	popq %rdx
	popq %rcx
	iretq

	.globl hvt_supervisor_end
hvt_supervisor_end:
	.section .note.GNU-stack, "", @progbits
