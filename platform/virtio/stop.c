/*
 * stop.c - the host's stop request: a second 16550 UART (COM2, 0x2f8,
 * IRQ 3) that only the launcher writes to. platform/virtio/launch adds it
 * on a FIFO and writes "stop\n" there when it gets SIGTERM (kiln stop);
 * platform_yield() then reports PLATFORM_STOP, and the runtime runs its
 * exit hooks and exits 0. Without the UART (Firecracker, QEMU started by
 * hand) there is no stop request and nothing is polled.
 *
 * The UART interrupts on received data through the I/O APIC into the
 * last device slot, which wakes a sleeping yield; the receive register is
 * read only then. Where that slot is taken or cannot be routed, the
 * UART is polled instead, at most every 100 ms while the guest sleeps.
 */
#include "stop.h"
#include "hw.h"
#include "kernel.h"
#include "virtio_devices.h"

#define COM2 0x2f8
#define COM2_GSI 3
#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define LSR_DR 0x01 /* data ready */

static const char request[] = "stop\n";
static bool present, asked;
static unsigned matched;
static int slot = -1;

void stop_init(void)
{
	/* A missing UART reads 0xff from every register: the scratch
	 * register holding what was written says there is one. */
	outb(COM2 + UART_SCR, 0x5a);
	if (inb(COM2 + UART_SCR) != 0x5a)
		return;
	outb(COM2 + UART_SCR, 0xa5);
	if (inb(COM2 + UART_SCR) != 0xa5)
		return;
	present = true;
	outb(COM2 + UART_IER, 0x00);
	outb(COM2 + UART_LCR, 0x03); /* 8 bits, no parity, one stop bit */
	outb(COM2 + UART_FCR, 0x07); /* FIFOs on and cleared */
	outb(COM2 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 (the IRQ line) */
	unsigned s = DEVICE_VECTORS - 1;
	if (devices_count() <= s &&
	    supervisor_call(SYS_IRQ_ROUTE, COM2_GSI, s) == 0) {
		slot = (int)s;
		outb(COM2 + UART_IER, 0x01); /* received data available */
	}
	stop_check(); /* a request sent before the boot */
}

bool stop_asked(void)
{
	return asked;
}

bool stop_polled(void)
{
	return present && slot < 0;
}

uint64_t stop_slot_bit(void)
{
	return slot < 0 ? 0 : 1ull << slot;
}

bool stop_check(void)
{
	if (!present)
		return false;
	/* Drain what came (which also lowers the interrupt line), looking
	 * for the request; anything else resets the match. */
	for (unsigned n = 0; n < 256 && (inb(COM2 + UART_LSR) & LSR_DR); n++) {
		char c = (char)inb(COM2 + UART_RBR);
		if (c == request[matched])
			matched++;
		else
			matched = c == request[0] ? 1 : 0;
		if (request[matched] == 0) {
			asked = true;
			matched = 0;
		}
	}
	return asked;
}
