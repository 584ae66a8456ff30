/*
 * monitor/hvt/elf.h - validating loader for static x86_64 ELF images.
 *
 * hvt_elf_parse() checks every header of an untrusted image through a
 * bounds-checked view and, if it is sound, describes its loadable segments;
 * hvt_elf_copy() then places them into guest memory. Parsing needs no KVM,
 * so a bad image is refused before /dev/kvm is even opened.
 */
#ifndef KILN_HVT_ELF_H
#define KILN_HVT_ELF_H

#include <stddef.h>
#include <stdint.h>

#define HVT_ELF_MAX_SEGMENTS 16
#define HVT_ELF_MAX_PHDRS 64

/* Segment permission flags (as in the ELF p_flags). */
#define HVT_SEG_X 1u
#define HVT_SEG_W 2u
#define HVT_SEG_R 4u

struct hvt_segment {
	uint64_t vaddr;  /* guest address of the first byte */
	uint64_t memsz;  /* bytes in memory (> 0) */
	uint64_t offset; /* file offset of the initialised part */
	uint64_t filesz; /* bytes from the file; the rest is zeroed */
	uint32_t flags;  /* HVT_SEG_* */
};

struct hvt_image {
	uint64_t entry;
	uint64_t lo, hi; /* page-rounded extent of all segments */
	unsigned nsegs;  /* sorted by vaddr */
	struct hvt_segment seg[HVT_ELF_MAX_SEGMENTS];
};

/*
 * Validate the image (len bytes at file) for a guest whose segments must
 * lie in [mem_lo, mem_hi). Returns 0 and fills *img, or -1 with a short
 * reason (no trailing newline) in err.
 */
int hvt_elf_parse(const uint8_t *file, size_t len, uint64_t mem_lo,
                  uint64_t mem_hi, struct hvt_image *img, char *err,
                  size_t errsz);

/* Copy a parsed image into guest memory (mem_size bytes at mem; the
 * image was parsed with mem_hi <= mem_size). mem must be zero-filled
 * (fresh anonymous memory): only the page where a segment's file bytes
 * end is zeroed, the rest of its tail is left untouched. */
void hvt_elf_copy(const uint8_t *file, size_t len, const struct hvt_image *img,
                  uint8_t *mem, size_t mem_size);

#endif /* KILN_HVT_ELF_H */
