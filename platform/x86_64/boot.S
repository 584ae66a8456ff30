/*
 * boot.S - the PVH entry point.
 *
 * A PVH loader (QEMU's -kernel, Firecracker, Xen) reads the XEN_ELFNOTE_PHYS32
 * _ENTRY note below and jumps to pvh_start32 in 32-bit protected mode, paging
 * off, with %ebx holding the physical address of the hvm_start_info block.
 *
 * This file only gets the CPU into 64-bit mode: it loads page tables that are
 * assembled at build time (the first GiB identity-mapped with 2 MiB pages),
 * switches to long mode and calls kernel_main() in supervisor.c, which builds
 * the real W^X tables and drops to CPL 3. Ring-0 code is kept this small on
 * purpose: on some hypervisors it is emulated instruction by instruction.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
/* The boot code runs on the supervisor's fault stack (supervisor.c),
 * which nothing else uses until the IDT is live. */
#define BOOT_STACK_TOP (supervisor_fault_stack + 12288)

	.section .note.Xen, "a"
	.balign 4
	.long 4                         /* name size ("Xen" and its NUL) */
	.long 8                         /* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start32

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	movl %ebx, boot_start_info
	movl $BOOT_STACK_TOP, %esp

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $early_pml4, %eax
	movl %eax, %cr3

	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr

	movl %cr0, %eax
	orl $(CR0_PE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0

	lgdt early_gdt_pointer
	ljmp $0x08, $long_mode

	.code64
long_mode:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movq $BOOT_STACK_TOP, %rsp
	xorl %ebp, %ebp
	movl boot_start_info(%rip), %edi
	call kernel_main
1:	hlt
	jmp 1b

	.section .boot.data, "aw"
	.balign 4096
	/* Early tables: the first GiB identity-mapped, supervisor, writable. */
early_pml4:
	.quad early_pdpt + 0x3
	.fill 511, 8, 0
early_pdpt:
	.quad early_pd + 0x3
	.fill 511, 8, 0
early_pd:
	.set page, 0
	.rept 512
	.quad (page << 21) | 0x83
	.set page, page + 1
	.endr

	.balign 8
early_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code, ring 0 */
	.quad 0x00cf92000000ffff        /* 0x10: data, ring 0 */
early_gdt_end:
early_gdt_pointer:
	.word early_gdt_end - early_gdt - 1
	.long early_gdt

	.globl boot_start_info
boot_start_info:
	.long 0
