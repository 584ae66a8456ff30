/*
 * exit.c - ending the guest.
 *
 * QEMU: the isa-debug-exit device at port 0xf4 (the launcher adds it).
 * Writing v makes QEMU exit with status (v << 1) | 1. Kiln writes
 * status + 1 for statuses 0..125 (QEMU exits 3, 5, ... 253) and 127 for
 * anything larger (QEMU exits 255), so that QEMU's own exit statuses 0 and
 * 1 (normal shutdown, startup error) never look like a guest status. The
 * launcher maps them back: (rc - 3) / 2 for odd rc in 3..253, and 255 for
 * 255. See docs/virtio.md.
 *
 * Elsewhere (Firecracker has no debug-exit device) the i8042 reset line
 * ends the VM; as a last resort the CPU halts for good.
 *
 * Called from both rings (fault reports end here), hence ring-0 rules.
 */
#include "kernel.h"
RING0_CODE

#include "hw.h"

#define DEBUG_EXIT_PORT 0xf4
#define I8042_COMMAND 0x64
#define I8042_RESET 0xfe

void hw_exit(int status)
{
	uint8_t code =
	        status >= 0 && status <= 125 ? (uint8_t)(status + 1) : 127;
	outb(DEBUG_EXIT_PORT, code);
	outb(I8042_COMMAND, I8042_RESET);
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	if (cs & 3)
		supervisor_call(SYS_HALT, 0, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}
