/*
 * tests/arm64/unit.c - host unit tests of the aarch64 targets' pure parts:
 * the device-tree reader (QEMU virt's own trees, and broken ones), the
 * ATAG reader and the SD card's CSD (rpi3), and kiln-console's
 * exit-status mark filter.
 *
 *   unit FDT_DIR    (FDT_DIR: fuzz/corpus/fdt, QEMU virt's trees)
 */
#include "../../monitor/console/mark.h"
#include "../../platform/aarch64/atags.h"
#include "../../platform/aarch64/fdt.h"
#include "../../platform/rpi3/sd_csd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #cond);                              \
			failures++;                                            \
		}                                                              \
	} while (0)

static uint8_t *load(const char *dir, const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	uint8_t *b = malloc(1 << 20);
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static struct fdt_info info;

static void test_virt(const char *dir)
{
	char err[96];
	size_t len;
	uint8_t *b = load(dir, "virt-gicv2", &len);
	CHECK(fdt_total_size(b) == len);
	CHECK(fdt_parse(b, len, &info, err, sizeof(err)) == 0);
	CHECK(info.memory_count == 1);
	CHECK(info.memory[0].base == 0x40000000 &&
	      info.memory[0].size == 64u << 20);
	CHECK(info.uart.base == 0x09000000 && info.uart.size == 0x1000);
	CHECK(info.gic_version == 2);
	CHECK(info.gic_dist.base == 0x08000000 &&
	      info.gic_cpu.base == 0x08010000);
	CHECK(info.timer_virt_intid == 27);
	CHECK(info.psci == FDT_PSCI_HVC);
	CHECK(info.rtc.base == 0x09010000);
	CHECK(info.virtio_count == 32);
	int bases_ok = 1;
	for (unsigned i = 0; i < info.virtio_count; i++) {
		/* Transport n at 0x0a000000 + 0x200 n with SPI 16 + n. */
		uint64_t n = (info.virtio[i].base - 0x0a000000) / 0x200;
		bases_ok &= info.virtio[i].base == 0x0a000000 + 0x200 * n &&
		            info.virtio[i].size == 0x200 &&
		            info.virtio[i].intid == 32 + 16 + n;
	}
	CHECK(bases_ok);
	CHECK(info.bootargs[0] == 0);

	/* Every truncation fails cleanly (ASan checks the reads). */
	int all_fail = 1;
	for (size_t cut = 0; cut < len; cut += 7) {
		uint8_t *t = malloc(cut ? cut : 1);
		memcpy(t, b, cut);
		all_fail &= fdt_parse(t, cut, &info, err, sizeof(err)) != 0;
		free(t);
	}
	CHECK(all_fail);

	/* A header that claims more than the space. */
	uint8_t *c = malloc(len);
	memcpy(c, b, len);
	put32(c + 4, (uint32_t)len + 1);
	CHECK(fdt_parse(c, len, &info, err, sizeof(err)) != 0);
	CHECK(strstr(err, "size") != NULL);
	/* Bad magic, too old a version, blocks outside the blob. */
	memcpy(c, b, len);
	c[0] ^= 1;
	CHECK(fdt_parse(c, len, &info, err, sizeof(err)) != 0 &&
	      strstr(err, "magic"));
	memcpy(c, b, len);
	put32(c + 20, 16);
	CHECK(fdt_parse(c, len, &info, err, sizeof(err)) != 0 &&
	      strstr(err, "version"));
	memcpy(c, b, len);
	put32(c + 8, 0xfffffff0u);
	CHECK(fdt_parse(c, len, &info, err, sizeof(err)) != 0 &&
	      strstr(err, "outside"));
	/* A property name offset past the strings block. */
	memcpy(c, b, len);
	uint32_t off = get32(c + 8);
	int changed = 0;
	for (uint32_t p = off; p + 12 <= len && !changed; p += 4)
		if (get32(c + p) == 3) { /* the first FDT_PROP */
			put32(c + p + 8, 0x7fffffffu);
			changed = 1;
		}
	CHECK(changed);
	CHECK(fdt_parse(c, len, &info, err, sizeof(err)) != 0 &&
	      strstr(err, "name"));
	free(c);
	free(b);

	b = load(dir, "virt-gicv3-el2", &len);
	CHECK(fdt_parse(b, len, &info, err, sizeof(err)) == 0);
	CHECK(info.gic_version == 3);
	CHECK(info.gic_dist.base == 0x08000000 &&
	      info.gic_redist.base == 0x080a0000);
	CHECK(info.psci == FDT_PSCI_SMC);
	free(b);
}

/* Nodes nested deeper than the reader keeps: refused. */
static void test_deep(void)
{
	uint8_t b[1024] = {0};
	char err[96];
	size_t p = 40;
	for (int i = 0; i < 20; i++) {
		put32(b + p, 1); /* FDT_BEGIN_NODE, name "" */
		p += 8;
	}
	put32(b + p, 9);
	p += 4;
	put32(b, FDT_MAGIC);
	put32(b + 4, (uint32_t)p);
	put32(b + 8, 40);
	put32(b + 12, (uint32_t)p);
	put32(b + 20, 17);
	put32(b + 24, 16);
	put32(b + 36, (uint32_t)p - 40);
	CHECK(fdt_parse(b, p, &info, err, sizeof(err)) != 0 &&
	      strstr(err, "deep"));
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static struct atags_info atags;

static void test_atags(void)
{
	uint8_t b[256] = {0};
	char err[80];
	size_t p = 0;
	put32le(b + p, 5);
	put32le(b + p + 4, ATAG_CORE);
	p += 20;
	put32le(b + p, 4);
	put32le(b + p + 4, 0x54410002); /* ATAG_MEM: size, start */
	put32le(b + p + 8, 0x3c000000);
	put32le(b + p + 12, 0);
	p += 16;
	put32le(b + p, 2 + 4);
	put32le(b + p + 4, 0x54410009); /* ATAG_CMDLINE */
	memcpy(b + p + 8, "-- a b --fail", 14);
	p += 24;
	size_t end = p + 8; /* ATAG_NONE (zeros) */
	CHECK(atags_present(b));
	CHECK(atags_parse(b, end, &atags, err, sizeof(err)) == 0);
	CHECK(atags.mem_base == 0 && atags.mem_size == 0x3c000000);
	CHECK(strcmp(atags.cmdline, "-- a b --fail") == 0);
	/* Cut anywhere: refused, never read past. */
	int all_fail = 1;
	for (size_t cut = 0; cut < end; cut++) {
		uint8_t *t = malloc(cut ? cut : 1);
		memcpy(t, b, cut);
		all_fail &= atags_parse(t, cut, &atags, err, sizeof(err)) != 0;
		free(t);
	}
	CHECK(all_fail);
	/* A tag claiming more words than there are. */
	put32le(b + 20, 1000);
	CHECK(atags_parse(b, end, &atags, err, sizeof(err)) != 0 &&
	      strstr(err, "size"));
	put32le(b + 4, 0x1234);
	CHECK(!atags_present(b));
}

/* A CSD as the SDHCI controller returns it: bits 127..8 of the register
 * in resp[3]:resp[2]:resp[1]:resp[0]. */
static void csd_set(uint32_t r[4], unsigned hi, unsigned lo, uint32_t v)
{
	for (unsigned b = lo; b <= hi; b++) {
		unsigned n = b - 8;
		if ((v >> (b - lo)) & 1)
			r[n / 32] |= 1u << (n % 32);
	}
}

static void test_csd(void)
{
	uint32_t r[4] = {0};
	/* Version 1.0: 4 MiB = (C_SIZE + 1) * 2^(MULT + 2) * 2^READ_BL_LEN. */
	csd_set(r, 83, 80, 9);
	csd_set(r, 73, 62, 1023);
	csd_set(r, 49, 47, 1);
	CHECK(sd_csd_capacity(r) == 4u << 20);
	/* Version 2.0: (C_SIZE + 1) * 512 KiB; 4 GiB. */
	memset(r, 0, sizeof(r));
	csd_set(r, 127, 126, 1);
	csd_set(r, 69, 48, 8191);
	CHECK(sd_csd_capacity(r) == 4ull << 30);
	/* Version 3 (reserved) and a bad block length: refused. */
	memset(r, 0, sizeof(r));
	csd_set(r, 127, 126, 2);
	CHECK(sd_csd_capacity(r) == 0);
	memset(r, 0, sizeof(r));
	csd_set(r, 83, 80, 15);
	CHECK(sd_csd_capacity(r) == 0);
}

static size_t filter_all(const char *in, size_t n, char *out, int *status,
                         bool *seen)
{
	struct mark_filter m;
	mark_init(&m);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) /* one byte at a time */
		w += mark_feed(&m, kiln_view_make(in + i, 1),
		               (uint8_t *)out + w);
	w += mark_flush(&m, (uint8_t *)out + w);
	out[w] = 0;
	*status = m.status;
	*seen = m.seen;
	return w;
}

static void test_mark(void)
{
	char out[256];
	int st;
	bool seen;
	const char a[] = "hello\n\x1b]kiln-exit;3\x07";
	filter_all(a, sizeof(a) - 1, out, &st, &seen);
	CHECK(strcmp(out, "hello\n") == 0 && seen && st == 3);
	const char b[] = "x\x1b]kiln-exit;256\x07y";
	filter_all(b, sizeof(b) - 1, out, &st, &seen);
	CHECK(strcmp(out, b) == 0 && !seen);
	const char c[] = "\x1b]kiln\x1b]kiln-exit;0\x07\x1b]kiln-exi";
	filter_all(c, sizeof(c) - 1, out, &st, &seen);
	CHECK(strcmp(out, "\x1b]kiln\x1b]kiln-exi") == 0 && seen && st == 0);
	const char d[] = "\x1b]kiln-exit;\x07\x1b]kiln-exit;1234\x07";
	filter_all(d, sizeof(d) - 1, out, &st, &seen);
	CHECK(strcmp(out, d) == 0 && !seen);
	const char e[] = "\x1b]kiln-exit;255\x07";
	filter_all(e, sizeof(e) - 1, out, &st, &seen);
	CHECK(out[0] == 0 && seen && st == 255);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: unit FDT_DIR\n");
		return 2;
	}
	test_virt(argv[1]);
	test_deep();
	test_atags();
	test_csd();
	test_mark();
	printf("%s: aarch64 unit tests\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
