/*
 * pl011.c - the PL011 console (see pl011.h).
 */
#include "el1.h"
EL1_CODE

#include "hw.h"
#include "pl011.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_IBRD 0x24
#define UART_FBRD 0x28
#define UART_LCRH 0x2c
#define UART_CR 0x30
#define UART_IMSC 0x38
#define FR_BUSY (1u << 3)
#define FR_TXFF (1u << 5)
#define LCRH_FEN (1u << 4)
#define LCRH_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

void pl011_init(uint64_t base, uint32_t clock_hz)
{
	if (!base)
		return;
	if (clock_hz) {
		/* Divisor = clock / (16 * baud), in 1/64ths for FBRD. */
		uint64_t div64 = ((uint64_t)clock_hz * 4 + 115200 / 2) / 115200;
		mmio_write32(base + UART_CR, 0);
		mmio_write32(base + UART_IBRD, (uint32_t)(div64 >> 6));
		mmio_write32(base + UART_FBRD, (uint32_t)(div64 & 63));
		mmio_write32(base + UART_LCRH, LCRH_WLEN8 | LCRH_FEN);
	}
	mmio_write32(base + UART_IMSC, 0); /* no interrupts: polled */
	mmio_write32(base + UART_CR, CR_UARTEN | CR_TXE | CR_RXE);
}

void pl011_write(uint64_t base, const char *s, size_t n)
{
	if (!base)
		return;
	for (size_t i = 0; i < n; i++) {
		while (mmio_read32(base + UART_FR) & FR_TXFF)
			cpu_pause();
		mmio_write32(base + UART_DR, (uint8_t)s[i]);
	}
}

void pl011_drain(uint64_t base)
{
	if (!base)
		return;
	while (mmio_read32(base + UART_FR) & FR_BUSY)
		cpu_pause();
}
