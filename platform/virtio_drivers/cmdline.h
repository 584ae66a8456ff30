/*
 * cmdline.h - splitting the kernel command line into what the platform
 * reads (virtio-mmio device descriptions) and the boot arguments handed
 * to the application.
 */
#ifndef VIRTIO_CMDLINE_H
#define VIRTIO_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MMIO_MAX 16

/* virtio_mmio.device=SIZE@BASE:IRQ[:ID], as Linux spells it and QEMU's
 * microvm writes it. */
struct cmdline_mmio {
	uint64_t base, size;
	uint32_t irq;
};

struct cmdline {
	struct cmdline_mmio mmio[CMDLINE_MMIO_MAX];
	unsigned mmio_count;
	unsigned ignored; /* platform words not understood (reported) */
};

/*
 * Parse in (NUL-terminated). Words before a lone "--" are platform words;
 * words after it are boot arguments, except virtio_mmio.device= words,
 * which QEMU appends at the end. With no "--", every word that is not a
 * virtio_mmio.device= word is a boot argument. The boot arguments are
 * written to args (space-separated, NUL-terminated).
 * Returns 0, or -1 with a message in err when a device word is malformed,
 * there are too many devices, or args is too small.
 */
int cmdline_parse(const char *in, struct cmdline *out, char *args,
                  size_t args_size, char *err, size_t err_size);

/* Parse one "SIZE@BASE:IRQ[:ID]" value (the part after '='). */
int cmdline_parse_mmio(const char *s, size_t len, struct cmdline_mmio *out);

#endif /* VIRTIO_CMDLINE_H */
