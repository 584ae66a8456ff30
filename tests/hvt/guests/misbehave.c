/*
 * A bare hvt guest that misbehaves as its boot arguments say:
 *   wait   yield with no deadline and no device (would wait forever)
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
