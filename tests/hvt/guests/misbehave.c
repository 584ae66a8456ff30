/*
 * A bare hvt guest that misbehaves as its boot arguments say:
 *   wait   yield with no deadline and no device (would wait forever)
 *   wait-long  the same with a timeout of INT64_MAX - 1 ns (292 years)
 *   ud2-edge   a plain ud2 on the last two bytes of a page, the next
 *              page unmapped (linked with edge.ld)
 *   hlt    execute hlt (privileged: CPL 3 may not)
 *   port   write to a port outside the hypercall range
 *   cr3    write CR3 (privileged)
 * kiln-hvt must end each with a report and exit 255, never hang.
 */
#include "hvt_abi.h"

static void call(unsigned nr, const void *arg)
{
	__asm__ volatile("outl %0, %w1"
	                 :
	                 : "a"((uint32_t)(uintptr_t)arg),
	                   "Nd"((uint16_t)(HVT_PORT_BASE + nr))
	                 : "memory");
}

#ifdef EDGE
/* With edge.ld, .edge starts 2 bytes before a page boundary. */
__asm__(".section .edge, \"ax\"\n"
        "edge_ud2: ud2\n"
        ".previous\n");
#endif

static int is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

void _start(const struct hvt_boot_info *bi)
{
	const char *what = bi->cmdline;
	if (is(what, "wait")) {
		struct hvt_yield y = {INT64_MAX, 0};
		call(HVT_CALL_YIELD, &y);
	} else if (is(what, "wait-long")) {
		struct hvt_yield y = {INT64_MAX - 1, 0};
		call(HVT_CALL_YIELD, &y);
#ifdef EDGE
	} else if (is(what, "ud2-edge")) {
		__asm__ volatile("jmp edge_ud2");
#endif
	} else if (is(what, "hlt")) {
		__asm__ volatile("hlt");
	} else if (is(what, "port")) {
		__asm__ volatile("outb %%al, $0x80" : : "a"(0));
	} else if (is(what, "cr3")) {
		__asm__ volatile("mov %0, %%cr3" : : "r"(0ul));
	}
	struct hvt_exit e = {0};
	call(HVT_CALL_EXIT, &e);
	__builtin_trap();
}
