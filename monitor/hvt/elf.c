/*
 * monitor/hvt/elf.c - validating loader for static x86_64 ELF images.
 *
 * The image comes from outside, so nothing in it is trusted: every field
 * is read through a kiln_view and every range is checked with overflow-safe
 * arithmetic before it is used. The rules (docs/hvt.md lists them):
 * ELF64, little-endian, x86_64, ET_EXEC, no interpreter or dynamic section,
 * program headers inside the file, each PT_LOAD inside the file and inside
 * guest memory with p_filesz <= p_memsz, power-of-two alignment with
 * p_vaddr = p_offset modulo it, never writable and executable at once, no
 * two segments on one page (page permissions come from segment flags), and
 * the entry point inside an executable segment.
 */
#include "elf.h"

#include <kiln/view.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PAGE 4096u

/* ELF constants (from the System V ABI). */
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_TLS 7
#define EHDR_SIZE 64
#define PHDR_SIZE 56

static int fail(char *err, size_t errsz, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t page_down(uint64_t a)
{
	return a & ~(uint64_t)(PAGE - 1);
}

/* Round up; the caller has checked a <= UINT64_MAX - PAGE. */
static uint64_t page_up(uint64_t a)
{
	return (a + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static bool read_phdr(struct kiln_view *v, struct phdr *ph)
{
	kiln_view_u32_le(v, &ph->type);
	kiln_view_u32_le(v, &ph->flags);
	kiln_view_u64_le(v, &ph->offset);
	kiln_view_u64_le(v, &ph->vaddr);
	kiln_view_u64_le(v, &ph->paddr);
	kiln_view_u64_le(v, &ph->filesz);
	kiln_view_u64_le(v, &ph->memsz);
	return kiln_view_u64_le(v, &ph->align);
}

/* Check one PT_LOAD header and append it to img. */
static int add_load(const struct phdr *ph, unsigned i, size_t len,
                    uint64_t mem_lo, uint64_t mem_hi, struct hvt_image *img,
                    char *err, size_t errsz)
{
	if (ph->memsz == 0)
		return 0; /* occupies nothing */
	if (ph->filesz > ph->memsz)
		return fail(err, errsz,
		            "segment %u: file size 0x%llx exceeds memory size "
		            "0x%llx",
		            i, (unsigned long long)ph->filesz,
		            (unsigned long long)ph->memsz);
	if (ph->offset > len || ph->filesz > len - ph->offset)
		return fail(err, errsz, "segment %u: data beyond end of file",
		            i);
	if (ph->vaddr < mem_lo || ph->vaddr >= mem_hi ||
	    ph->memsz > mem_hi - ph->vaddr)
		return fail(err, errsz,
		            "segment %u: 0x%llx+0x%llx outside guest memory "
		            "[0x%llx, 0x%llx)",
		            i, (unsigned long long)ph->vaddr,
		            (unsigned long long)ph->memsz,
		            (unsigned long long)mem_lo,
		            (unsigned long long)mem_hi);
	if (ph->align > 1) {
		if (ph->align & (ph->align - 1))
			return fail(err, errsz,
			            "segment %u: alignment 0x%llx is not a "
			            "power of two",
			            i, (unsigned long long)ph->align);
		if ((ph->vaddr - ph->offset) & (ph->align - 1))
			return fail(err, errsz,
			            "segment %u: address and file offset "
			            "disagree modulo the alignment",
			            i);
	}
	if ((ph->flags & HVT_SEG_W) && (ph->flags & HVT_SEG_X))
		return fail(err, errsz,
		            "segment %u: writable and executable (W^X)", i);
	if (img->nsegs == HVT_ELF_MAX_SEGMENTS)
		return fail(err, errsz, "more than %d loadable segments",
		            HVT_ELF_MAX_SEGMENTS);
	/* Insert sorted by address. */
	unsigned k = img->nsegs;
	while (k > 0 && img->seg[k - 1].vaddr > ph->vaddr) {
		img->seg[k] = img->seg[k - 1];
		k--;
	}
	img->seg[k] = (struct hvt_segment){
	        .vaddr = ph->vaddr,
	        .memsz = ph->memsz,
	        .offset = ph->offset,
	        .filesz = ph->filesz,
	        .flags = ph->flags & (HVT_SEG_R | HVT_SEG_W | HVT_SEG_X),
	};
	img->nsegs++;
	return 0;
}

int hvt_elf_parse(const uint8_t *file, size_t len, uint64_t mem_lo,
                  uint64_t mem_hi, struct hvt_image *img, char *err,
                  size_t errsz)
{
	struct kiln_view v = kiln_view_make(file, len);
	uint8_t ident[16];
	uint16_t type, machine, ehsize, phentsize, phnum;
	uint32_t version;
	uint64_t entry, phoff, shoff;

	memset(img, 0, sizeof(*img));
	/* mem_hi must leave room for page rounding. */
	if (mem_hi > UINT64_MAX - PAGE)
		mem_hi = UINT64_MAX - PAGE;
	if (!kiln_view_copy(&v, ident, sizeof(ident)))
		return fail(err, errsz, "too short to be an ELF file");
	if (memcmp(ident, "\177ELF", 4) != 0)
		return fail(err, errsz, "not an ELF file (bad magic)");
	if (ident[4] != ELFCLASS64)
		return fail(err, errsz, "not a 64-bit ELF file (class %u)",
		            ident[4]);
	if (ident[5] != ELFDATA2LSB)
		return fail(err, errsz,
		            "not a little-endian ELF file (data %u)", ident[5]);
	if (ident[6] != EV_CURRENT)
		return fail(err, errsz, "unknown ELF version %u", ident[6]);
	if (len < EHDR_SIZE)
		return fail(err, errsz, "truncated ELF header");
	kiln_view_u16_le(&v, &type);
	kiln_view_u16_le(&v, &machine);
	kiln_view_u32_le(&v, &version);
	kiln_view_u64_le(&v, &entry);
	kiln_view_u64_le(&v, &phoff);
	kiln_view_u64_le(&v, &shoff);
	kiln_view_skip(&v, 4); /* e_flags */
	kiln_view_u16_le(&v, &ehsize);
	kiln_view_u16_le(&v, &phentsize);
	if (!kiln_view_u16_le(&v, &phnum))
		return fail(err, errsz, "truncated ELF header");
	if (machine != EM_X86_64)
		return fail(err, errsz, "not an x86_64 image (machine %u)",
		            machine);
	if (type == ET_DYN)
		return fail(err, errsz,
		            "position-independent image (ET_DYN); link with "
		            "-static -no-pie");
	if (type != ET_EXEC)
		return fail(err, errsz, "not an executable (type %u)", type);
	if (version != EV_CURRENT)
		return fail(err, errsz, "unknown ELF version %u", version);
	if (ehsize < EHDR_SIZE)
		return fail(err, errsz, "ELF header size %u is too small",
		            ehsize);
	if (phentsize != PHDR_SIZE)
		return fail(err, errsz, "program header size %u (expected %u)",
		            phentsize, PHDR_SIZE);
	if (phnum == 0)
		return fail(err, errsz, "no program headers");
	if (phnum > HVT_ELF_MAX_PHDRS)
		return fail(err, errsz, "%u program headers (at most %u)",
		            phnum, HVT_ELF_MAX_PHDRS);

	struct kiln_view all = kiln_view_make(file, len), phv;
	if (phoff > len || !kiln_view_sub(&all, (size_t)phoff,
	                                  (size_t)phnum * PHDR_SIZE, &phv))
		return fail(err, errsz, "program headers beyond end of file");

	for (unsigned i = 0; i < phnum; i++) {
		struct phdr ph;
		if (!read_phdr(&phv, &ph))
			return fail(err, errsz, "truncated program header %u",
			            i);
		switch (ph.type) {
		case PT_LOAD:
			if (add_load(&ph, i, len, mem_lo, mem_hi, img, err,
			             errsz) < 0)
				return -1;
			break;
		case PT_INTERP:
		case PT_DYNAMIC:
			return fail(
			        err, errsz,
			        "dynamically linked (segment %u); link with "
			        "-static",
			        i);
		case PT_TLS:
			return fail(err, errsz,
			            "thread-local storage is not supported "
			            "(segment %u)",
			            i);
		default:
			break; /* notes, GNU_STACK and the like: ignored */
		}
	}
	if (img->nsegs == 0)
		return fail(err, errsz, "no loadable segments");

	/* Page permissions come from the segments, so no page may hold two. */
	for (unsigned k = 1; k < img->nsegs; k++) {
		const struct hvt_segment *a = &img->seg[k - 1],
		                         *b = &img->seg[k];
		if (b->vaddr < a->vaddr + a->memsz)
			return fail(err, errsz,
			            "segments at 0x%llx and 0x%llx overlap",
			            (unsigned long long)a->vaddr,
			            (unsigned long long)b->vaddr);
		if (page_down(b->vaddr) < page_up(a->vaddr + a->memsz))
			return fail(
			        err, errsz,
			        "segments at 0x%llx and 0x%llx share a page "
			        "(segments must be page-aligned for W^X)",
			        (unsigned long long)a->vaddr,
			        (unsigned long long)b->vaddr);
	}
	img->lo = page_down(img->seg[0].vaddr);
	const struct hvt_segment *last = &img->seg[img->nsegs - 1];
	img->hi = page_up(last->vaddr + last->memsz);
	if (img->hi > mem_hi)
		return fail(err, errsz, "image end 0x%llx beyond 0x%llx",
		            (unsigned long long)img->hi,
		            (unsigned long long)mem_hi);

	for (unsigned k = 0; k < img->nsegs; k++) {
		const struct hvt_segment *s = &img->seg[k];
		if (entry >= s->vaddr && entry - s->vaddr < s->memsz) {
			if (!(s->flags & HVT_SEG_X))
				return fail(err, errsz,
				            "entry point 0x%llx is in a "
				            "non-executable segment",
				            (unsigned long long)entry);
			img->entry = entry;
			return 0;
		}
	}
	return fail(err, errsz, "entry point 0x%llx is outside every segment",
	            (unsigned long long)entry);
}

void hvt_elf_copy(const uint8_t *file, size_t len, const struct hvt_image *img,
                  uint8_t *mem, size_t mem_size)
{
	struct kiln_view all = kiln_view_make(file, len), data;
	for (unsigned k = 0; k < img->nsegs; k++) {
		const struct hvt_segment *s = &img->seg[k];
		/* Checked by hvt_elf_parse; checked again so that a misuse
		 * cannot write outside mem. */
		if (s->vaddr > mem_size || s->memsz > mem_size - s->vaddr)
			continue;
		if (!kiln_view_sub(&all, (size_t)s->offset, (size_t)s->filesz,
		                   &data))
			continue;
		memcpy(mem + s->vaddr, data.p, data.len);
		/* Zero the tail only up to the end of its first page: the
		 * pages after it are fresh anonymous memory, and touching
		 * them would cost resident memory for a .bss the guest may
		 * never use (the frame areas, say). */
		uint64_t tail = s->vaddr + s->filesz;
		uint64_t end = (tail | (PAGE - 1)) + 1;
		if (end > s->vaddr + s->memsz)
			end = s->vaddr + s->memsz;
		memset(mem + tail, 0, end - tail);
	}
}
