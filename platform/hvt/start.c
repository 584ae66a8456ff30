/*
 * platform/hvt/start.c - the image's entry point.
 *
 * kiln-hvt enters here at CPL 3 in 64-bit mode with paging on, rsp at the
 * top of the boot stack and rdi pointing at the boot info: no mode
 * switching and no assembly needed. .bss is already zero (the monitor
 * zero-fills each segment's tail).
 */
#include "hypercall.h"

#include <kiln/platform.h>

const struct hvt_boot_info *hvt_boot;

void hvt_clock_init(void);

__attribute__((section(".text.start"), used, noreturn)) void
_start(const struct hvt_boot_info *bi)
{
	struct platform_start_info info;

	hvt_boot = bi;
	if (bi->magic != HVT_BOOT_MAGIC)
		platform_abort("hvt: bad boot info (monitor mismatch?)");
	hvt_clock_init();
	info.cmdline = bi->cmdline;
	info.heap_start = (void *)(uintptr_t)bi->heap_start;
	info.heap_size = (size_t)bi->heap_size;
	info.target = "hvt";
	platform_exit(kiln_start(&info));
}
