/*
 * atags.c - the ATAG list reader (see atags.h). Tags: a 32-bit size in
 * words (header included), a 32-bit tag, then data; little-endian; the
 * list starts with ATAG_CORE and ends with ATAG_NONE (size 0 or 2, tag
 * 0). Runs at EL1 before the MMU is on, hence EL1_CODE.
 */
#include "el1.h"
EL1_CODE

#include "atags.h"
#include <kiln/view.h>

#define ATAG_NONE 0u
#define ATAG_MEM 0x54410002u
#define ATAG_CMDLINE 0x54410009u

static int fail(char *err, size_t size, const char *why)
{
	size_t i = 0;
	if (size == 0)
		return -1;
	for (; why[i] && i + 1 < size; i++)
		err[i] = why[i];
	err[i] = 0;
	return -1;
}

bool atags_present(const void *p)
{
	struct kiln_view v = kiln_view_make(p, 8);
	uint32_t size, tag;
	return kiln_view_u32_le(&v, &size) && kiln_view_u32_le(&v, &tag) &&
	       tag == ATAG_CORE && (size == 2 || size == 5);
}

int atags_parse(const void *p, size_t max, struct atags_info *info, char *err,
                size_t err_size)
{
	volatile uint8_t *clear = (volatile uint8_t *)info;
	for (size_t i = 0; i < sizeof(*info); i++)
		clear[i] = 0;
	struct kiln_view v = kiln_view_make(p, max);
	bool first = true;
	for (;;) {
		uint32_t words, tag;
		if (!kiln_view_u32_le(&v, &words) ||
		    !kiln_view_u32_le(&v, &tag))
			return fail(err, err_size,
			            "ATAG list ends without ATAG_NONE");
		if (first && tag != ATAG_CORE)
			return fail(err, err_size,
			            "ATAG list does not start with ATAG_CORE");
		first = false;
		if (tag == ATAG_NONE)
			return 0;
		struct kiln_view data;
		if (words < 2 ||
		    !kiln_view_take(&v, ((size_t)words - 2) * 4, &data))
			return fail(err, err_size, "ATAG size out of range");
		if (tag == ATAG_MEM && info->mem_size == 0) {
			uint32_t size, start;
			if (!kiln_view_u32_le(&data, &size) ||
			    !kiln_view_u32_le(&data, &start))
				return fail(err, err_size,
				            "ATAG_MEM shorter than 8 bytes");
			info->mem_base = start;
			info->mem_size = size;
		} else if (tag == ATAG_CMDLINE) {
			size_t i = 0;
			while (i < data.len && data.p[i] &&
			       i + 1 < sizeof(info->cmdline)) {
				info->cmdline[i] = (char)data.p[i];
				i++;
			}
			info->cmdline[i] = 0;
			info->cmdline_truncated = i < data.len && data.p[i];
		}
	}
}
