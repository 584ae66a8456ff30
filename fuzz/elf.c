/*
 * fuzz/elf.c - libFuzzer harness for kiln-hvt's ELF loader: validation,
 * then (when the image is accepted) the copy into a fake guest memory,
 * which must stay inside it.
 *
 * Each input is tried twice: as an image of its own, and as a list of
 * (offset, byte) patches to a valid built-in image, so that the fuzzer
 * reaches the segment checks without first having to invent ELF.
 */
#include "../monitor/hvt/elf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MEM (4u << 20) /* 4 MiB of "guest memory" */
#define TEMPLATE_SIZE 0x3010

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void phdr(uint8_t *p, uint32_t flags, uint64_t off, uint64_t vaddr,
                 uint64_t filesz, uint64_t memsz)
{
	put32(p, 1); /* PT_LOAD */
	put32(p + 4, flags);
	put64(p + 8, off);
	put64(p + 16, vaddr);
	put64(p + 24, vaddr);
	put64(p + 32, filesz);
	put64(p + 40, memsz);
	put64(p + 48, 0x1000);
}

/* A valid image: text, rodata and data+bss, like image.ld lays out. */
static void make_template(uint8_t *t)
{
	memset(t, 0, TEMPLATE_SIZE);
	memcpy(t, "\177ELF\2\1\1", 7);
	put16(t + 16, 2);  /* ET_EXEC */
	put16(t + 18, 62); /* EM_X86_64 */
	put32(t + 20, 1);
	put64(t + 24, 0x100000); /* entry */
	put64(t + 32, 64);       /* phoff */
	put16(t + 52, 64);
	put16(t + 54, 56);
	put16(t + 56, 3);
	phdr(t + 64, 5, 0x1000, 0x100000, 0x100, 0x100);
	phdr(t + 120, 4, 0x2000, 0x101000, 0x100, 0x100);
	phdr(t + 176, 6, 0x3000, 0x102000, 0x10, 0x2000);
	memset(t + 0x1000, 0xc3, 0x100);
}

static void load(const uint8_t *data, size_t size, uint8_t *mem)
{
	struct hvt_image img;
	char err[200];

	/* The same bounds kiln-hvt uses (image at 1 MiB), a small top. */
	if (hvt_elf_parse(data, size, 0x100000, FAKE_MEM, &img, err,
	                  sizeof(err)) < 0) {
		if (strlen(err) == 0)
			abort(); /* every refusal has a reason */
		return;
	}
	if (img.nsegs == 0 || img.lo < 0x100000 || img.hi > FAKE_MEM ||
	    img.entry < img.lo || img.entry >= img.hi)
		abort();
	for (unsigned k = 0; k < img.nsegs; k++) {
		const struct hvt_segment *s = &img.seg[k];
		if (s->filesz > s->memsz || s->offset > size ||
		    s->filesz > size - s->offset)
			abort();
		if ((s->flags & HVT_SEG_W) && (s->flags & HVT_SEG_X))
			abort();
		if (k > 0 &&
		    s->vaddr < img.seg[k - 1].vaddr + img.seg[k - 1].memsz)
			abort();
	}
	hvt_elf_copy(data, size, &img, mem, FAKE_MEM);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem, *image;
	if (!mem) {
		mem = malloc(FAKE_MEM);
		image = malloc(TEMPLATE_SIZE);
		if (!mem || !image)
			abort();
	}
	load(data, size, mem);

	make_template(image);
	size_t len = TEMPLATE_SIZE;
	for (size_t i = 0; i + 3 <= size; i += 3) {
		size_t off = (size_t)(data[i] | data[i + 1] << 8);
		if (off == 0xffff) /* patch 0xffff: truncate to the byte */
			len = data[i + 2] * 64u < len ? data[i + 2] * 64u : len;
		else
			image[off % TEMPLATE_SIZE] = data[i + 2];
	}
	load(image, len, mem);
	return 0;
}
