/*
 * startinfo.c - parse the PVH start info block.
 *
 * Layout (all little-endian):
 *   0  u32 magic (0x336ec578)     4  u32 version     8  u32 flags
 *   12 u32 nr_modules             16 u64 modlist_paddr
 *   24 u64 cmdline_paddr          32 u64 rsdp_paddr
 *   40 u64 memmap_paddr (v1)      48 u32 memmap_entries (v1)
 * Memory map entries: u64 addr, u64 size, u32 type, u32 reserved.
 *
 * Runs in the supervisor before anything else, so it follows ring-0 rules.
 */
#include "ring0.h"
RING0_CODE

#include "startinfo.h"
#include <kiln/view.h>

#define PVH_MAGIC 0x336ec578u
#define E820_RAM 1

/* A view of len bytes at guest-physical addr, if inside the window. */
static struct kiln_view window(const uint8_t *mem, uint64_t mem_base,
                               uint64_t mem_size, uint64_t addr, uint64_t len)
{
	/* A failed window is empty but not NULL-based: view helpers advance
	 * the pointer by zero, which must stay defined. */
	struct kiln_view v = kiln_view_make(mem, 0);
	if (addr < mem_base || addr - mem_base > mem_size ||
	    len > mem_size - (addr - mem_base)) {
		v.bad = true;
		return v;
	}
	return kiln_view_make(mem + (addr - mem_base), (size_t)len);
}

enum pvh_error pvh_parse(const uint8_t *mem, uint64_t mem_base,
                         uint64_t mem_size, uint64_t info_addr,
                         struct pvh_boot *out)
{
	uint32_t magic = 0, version = 0, flags, nr_modules, entries = 0;
	uint32_t reserved;
	uint64_t modlist, cmdline_addr = 0, rsdp = 0, memmap = 0;

	out->cmdline[0] = 0;
	out->ram_count = 0;
	out->rsdp = 0;

	struct kiln_view v = window(mem, mem_base, mem_size, info_addr, 40);
	kiln_view_u32_le(&v, &magic);
	kiln_view_u32_le(&v, &version);
	kiln_view_u32_le(&v, &flags);
	kiln_view_u32_le(&v, &nr_modules);
	kiln_view_u64_le(&v, &modlist);
	kiln_view_u64_le(&v, &cmdline_addr);
	kiln_view_u64_le(&v, &rsdp);
	if (v.bad)
		return PVH_BAD_ADDRESS;
	if (magic != PVH_MAGIC)
		return PVH_BAD_MAGIC;
	out->rsdp = rsdp;
	/* Version 0 has no memory map: the command line is still read, and
	 * the caller may ask the hypervisor for the map instead. */
	if (version < 1)
		goto cmdline;
	v = window(mem, mem_base, mem_size, info_addr + 40, 16);
	kiln_view_u64_le(&v, &memmap);
	kiln_view_u32_le(&v, &entries);
	kiln_view_u32_le(&v, &reserved);
	if (v.bad)
		return PVH_BAD_ADDRESS;

	if (entries > 1024)
		return PVH_BAD_MEMMAP;
	v = window(mem, mem_base, mem_size, memmap, (uint64_t)entries * 24);
	if (v.bad)
		return PVH_BAD_MEMMAP;
	for (uint32_t i = 0; i < entries; i++) {
		uint64_t addr = 0, size = 0;
		uint32_t type = 0, pad;
		kiln_view_u64_le(&v, &addr);
		kiln_view_u64_le(&v, &size);
		kiln_view_u32_le(&v, &type);
		kiln_view_u32_le(&v, &pad);
		if (v.bad)
			return PVH_BAD_MEMMAP;
		if (type != E820_RAM || size == 0 || addr + size < addr)
			continue;
		if (out->ram_count < PVH_RAM_MAX) {
			out->ram[out->ram_count].base = addr;
			out->ram[out->ram_count].size = size;
			out->ram_count++;
		}
	}
	if (out->ram_count == 0)
		return PVH_NO_RAM;

cmdline:;
	enum pvh_error done = version < 1 ? PVH_NO_MEMMAP : PVH_OK;
	if (cmdline_addr == 0)
		return done;
	/* The command line may sit near the end of the window: read what
	 * is there, up to the limit, and require the NUL inside it. */
	if (cmdline_addr < mem_base || cmdline_addr - mem_base >= mem_size)
		return PVH_BAD_CMDLINE;
	uint64_t avail = mem_size - (cmdline_addr - mem_base);
	if (avail > PVH_CMDLINE_MAX)
		avail = PVH_CMDLINE_MAX;
	v = window(mem, mem_base, mem_size, cmdline_addr, avail);
	for (size_t i = 0;; i++) {
		uint8_t c;
		if (!kiln_view_u8(&v, &c)) {
			out->cmdline[0] = 0;
			return avail == PVH_CMDLINE_MAX ? PVH_CMDLINE_LONG
			                                : PVH_BAD_CMDLINE;
		}
		out->cmdline[i] = (char)c;
		if (c == 0)
			break;
	}
	return done;
}

const char *pvh_strerror(enum pvh_error e)
{
	switch (e) {
	case PVH_OK:
		return "ok";
	case PVH_BAD_ADDRESS:
		return "start info outside memory";
	case PVH_BAD_MAGIC:
		return "bad start info magic (not booted through PVH, or less "
		       "memory than the image needs?)";
	case PVH_NO_MEMMAP:
		return "start info version 0 carries no memory map";
	case PVH_BAD_MEMMAP:
		return "memory map outside memory or too large";
	case PVH_BAD_CMDLINE:
		return "command line outside memory or not terminated";
	case PVH_CMDLINE_LONG:
		return "command line too long";
	case PVH_NO_RAM:
		return "memory map lists no RAM (less memory than the image "
		       "needs?)";
	}
	return "unknown error";
}
