/*
 * startinfo.h - reading the PVH start info (struct hvm_start_info, as the
 * Xen PVH ABI defines it) that the loader leaves in guest memory.
 */
#ifndef X86_64_STARTINFO_H
#define X86_64_STARTINFO_H

#include <stddef.h>
#include <stdint.h>

#define PVH_RAM_MAX 32
#define PVH_CMDLINE_MAX 4096

struct pvh_ram {
	uint64_t base, size;
};

struct pvh_boot {
	char cmdline[PVH_CMDLINE_MAX]; /* NUL-terminated, "" if none */
	unsigned ram_count;            /* usable RAM ranges (E820 type 1) */
	struct pvh_ram ram[PVH_RAM_MAX];
	uint64_t rsdp; /* ACPI RSDP physical address, 0 if none */
};

enum pvh_error {
	PVH_OK = 0,
	PVH_BAD_ADDRESS = 1,  /* the start info lies outside memory */
	PVH_BAD_MAGIC = 2,    /* not a start info block */
	PVH_NO_MEMMAP = 3,    /* version 0: no memory map (the command
	                         line and RSDP are filled in) */
	PVH_BAD_MEMMAP = 4,   /* the map lies outside memory */
	PVH_BAD_CMDLINE = 5,  /* the command line lies outside memory or
	                         is not terminated */
	PVH_CMDLINE_LONG = 6, /* longer than PVH_CMDLINE_MAX - 1 */
	PVH_NO_RAM = 7        /* the map lists no RAM */
};

/*
 * Parse the start info at guest-physical address info_addr. mem holds the
 * guest memory from physical address mem_base for mem_size bytes; every
 * address in the block is checked against that window.
 */
enum pvh_error pvh_parse(const uint8_t *mem, uint64_t mem_base,
                         uint64_t mem_size, uint64_t info_addr,
                         struct pvh_boot *out);

const char *pvh_strerror(enum pvh_error e);

#endif /* X86_64_STARTINFO_H */
