/*
 * hypercall.S - the hypercall page. At boot the supervisor asks Xen to
 * fill it (the MSR that CPUID's Xen leaves name): 32 bytes per hypercall,
 * each a stub that loads the number and executes vmcall or vmmcall as
 * this CPU needs. Only ring 0 calls it; Xen refuses calls from CPL 3.
 */
	.section .text.hypercall, "ax"
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
