/* A minimal hvt guest without the runtime: say hello, exit 0. The bad-image
 * test mutates it. */
#include "hvt_abi.h"

static void call(unsigned nr, const void *arg)
{
	__asm__ volatile("outl %0, %w1"
	                 :
	                 : "a"((uint32_t)(uintptr_t)arg),
	                   "Nd"((uint16_t)(HVT_PORT_BASE + nr))
	                 : "memory");
}

void _start(void)
{
	static const char msg[] = "hello from CPL 3\n";
	struct hvt_console c = {(uintptr_t)msg, sizeof(msg) - 1};
	call(HVT_CALL_CONSOLE, &c);
	struct hvt_exit e = {0};
	call(HVT_CALL_EXIT, &e);
	__builtin_trap(); /* not reached */
}
