/*
 * serial.c - polled output on the 16550 UART at COM1.
 *
 * Called from the supervisor too (fault reports), hence ring-0 rules.
 */
#include "kernel.h"
RING0_CODE

#include "hw.h"
#include "serial.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding register */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0 /* with LCR.DLAB */
#define UART_DLM 1
#define LSR_THRE 0x20 /* transmit holding register empty */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* divisor latch: 115200 baud */
	outb(COM1 + UART_DLL, 0x01);
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8 bits, no parity, one stop bit */
	outb(COM1 + UART_FCR, 0x07); /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);
}

static void put_byte(char c)
{
	/* A missing UART reads 0xff, which has THRE set: never stuck. An
	 * emulated one is always ready; the bound is for real hardware. */
	for (unsigned spins = 0; spins < 100000; spins++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
		cpu_pause();
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		put_byte(buf[i]);
}

void serial_puts(const char *s)
{
	while (*s)
		put_byte(*s++);
}

void serial_put_hex(uint64_t v)
{
	char out[19];
	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < 16; i++)
		out[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	out[18] = 0;
	serial_puts(out);
}

void serial_put_dec(uint64_t v)
{
	char out[21];
	int i = 20;
	out[i] = 0;
	do {
		out[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	serial_puts(out + i);
}
