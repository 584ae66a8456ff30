/*
 * atags.h - the ATAG list a Raspberry Pi loader may pass instead of a
 * device tree (QEMU's raspi machines do, at 0x100, unless given -dtb):
 * the memory range and the command line.
 *
 * The list is outside data: read through a bounds-checked view, every tag
 * size checked against the space the caller says the list may occupy.
 * Fuzzed by fuzz/atags.c.
 */
#ifndef AARCH64_ATAGS_H
#define AARCH64_ATAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATAG_CORE 0x54410001u

struct atags_info {
	uint64_t mem_base, mem_size; /* the first ATAG_MEM (size 0: none) */
	char cmdline[4096];          /* ATAG_CMDLINE, NUL-terminated */
	bool cmdline_truncated;
};

/* Does the list at p (8 bytes readable) start with ATAG_CORE? */
bool atags_present(const void *p);

/* Read the list at p, at most max bytes. 0 and *info filled, or -1 with
 * a one-line reason in err. */
int atags_parse(const void *p, size_t max, struct atags_info *info, char *err,
                size_t err_size);

#endif /* AARCH64_ATAGS_H */
