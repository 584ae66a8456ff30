/*
 * fdt.h - what the aarch64 targets read from a flattened device tree
 * (devicetree specification v0.4, the DTB format): memory, boot
 * arguments, the PL011, the GIC (v2 or v3), the generic timer's virtual
 * interrupt, PSCI, the PL031 and the virtio-mmio transports.
 *
 * The blob is outside data: it is read through bounds-checked views only,
 * every offset and length checked against the header's sizes and against
 * the space the caller says the blob may occupy. Fuzzed by fuzz/fdt.c.
 */
#ifndef AARCH64_FDT_H
#define AARCH64_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_MEMORY_MAX 4
#define FDT_VIRTIO_MAX 32

struct fdt_reg {
	uint64_t base, size;
};

enum fdt_psci { FDT_PSCI_NONE, FDT_PSCI_HVC, FDT_PSCI_SMC };

struct fdt_info {
	struct fdt_reg memory[FDT_MEMORY_MAX]; /* device_type = "memory" */
	unsigned memory_count;
	/* /chosen/bootargs, NUL-terminated (empty when absent). */
	char bootargs[4096];
	bool bootargs_truncated;
	struct fdt_reg uart; /* the first "arm,pl011"; size 0 if none */
	/* 2 ("arm,cortex-a15-gic", "arm,gic-400"), 3 ("arm,gic-v3"), 0 */
	unsigned gic_version;
	struct fdt_reg gic_dist;
	struct fdt_reg gic_cpu;    /* v2: the CPU interface */
	struct fdt_reg gic_redist; /* v3: the first redistributor region */
	uint32_t timer_virt_intid; /* "arm,armv8-timer": the virtual
	                              timer's PPI as an INTID; 0 if none */
	enum fdt_psci psci;        /* "arm,psci*": its method */
	struct fdt_reg rtc;        /* "arm,pl031" */
	struct {
		uint64_t base, size;
		uint32_t intid;   /* its SPI as an INTID (32 + n); 0 if none */
	} virtio[FDT_VIRTIO_MAX]; /* "virtio,mmio", in tree order */
	unsigned virtio_count;
};

/* The blob's size from its header (at least 40 bytes readable at blob),
 * or 0 when the magic is wrong. */
size_t fdt_total_size(const void *blob);

/*
 * Read the tree at blob, which may occupy at most max bytes. Returns 0
 * and fills *info, or -1 with a one-line reason in err (malformed blob,
 * unsupported version, a property of the wrong size, ...). Nodes the
 * targets do not use are skipped; more memory ranges or virtio
 * transports than fit are ignored.
 */
int fdt_parse(const void *blob, size_t max, struct fdt_info *info, char *err,
              size_t err_size);

#endif /* AARCH64_FDT_H */
