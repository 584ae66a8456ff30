/*
 * serial.h - the 16550 UART at 0x3f8: the console, usable from both rings
 * (port I/O under IOPL 3).
 */
#ifndef VIRTIO_SERIAL_H
#define VIRTIO_SERIAL_H

#include <stddef.h>
#include <stdint.h>

void serial_init(void);
void serial_write(const char *buf, size_t len);
void serial_puts(const char *s);
void serial_put_hex(uint64_t v);
void serial_put_dec(uint64_t v);

#endif /* VIRTIO_SERIAL_H */
