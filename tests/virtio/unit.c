/*
 * unit.c - host unit tests of the virtio target's pure parts: split
 * virtqueues (against a simulated device that completes out of order),
 * the command line, PVH start info, PCI capability parsing and the check
 * of virtio-net's receive header.
 * Built and run by test-unit.sh under ASan and UBSan.
 */
#include "../../platform/virtio/pci.h"
#include "../../platform/virtio_drivers/cmdline.h"
#include "../../platform/virtio_drivers/virtio_net_hdr.h"
#include "../../platform/virtio_drivers/virtq.h"
#include "../../platform/x86_64/startinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond)                                                      \
			printf("PASS: %s\n", name);                            \
		else {                                                         \
			printf("FAIL: %s: %s (line %d)\n", name, #cond,        \
			       __LINE__);                                      \
			failures++;                                            \
		}                                                              \
	} while (0)

/* ------------------------------------------------------------ virtqueue */

/* The device side: take what the driver made available, in order, and
 * return chains in the order given. */
static uint16_t dev_avail_seen;

static int dev_take_avail(struct virtq *q)
{
	if (dev_avail_seen == q->avail->idx)
		return -1;
	return q->avail->ring[dev_avail_seen++ & (q->size - 1)];
}

static void dev_return(struct virtq *q, int head, uint32_t len)
{
	uint16_t i = q->used->idx;
	q->used->ring[i & (q->size - 1)].id = (uint32_t)head;
	q->used->ring[i & (q->size - 1)].len = len;
	q->used->idx = (uint16_t)(i + 1);
}

static unsigned chain_length(struct virtq *q, int head)
{
	unsigned n = 1;
	while (q->desc[head].flags & VIRTQ_DESC_F_NEXT) {
		head = q->desc[head].next;
		n++;
	}
	return n;
}

static void test_virtq(void)
{
	struct virtq *q = calloc(1, sizeof(*q));
	const uint16_t size = 8;
	void *mem = aligned_alloc(4096, virtq_bytes(size));
	memset(mem, 0, virtq_bytes(size));
	virtq_init(q, 0, size, mem);
	dev_avail_seen = 0;

	struct virtq_buf b[3] = {
	        {0x1000, 16, false}, {0x2000, 512, true}, {0x3000, 1, true}};
	int h1 = virtq_add(q, b, 3);
	int h2 = virtq_add(q, b, 3);
	CHECK("virtq: two chains of 3 in 8",
	      h1 >= 0 && h2 >= 0 && q->num_free == 2);
	CHECK("virtq: a third does not fit", virtq_add(q, b, 3) == -1);
	CHECK("virtq: zero buffers refused", virtq_add(q, b, 0) == -1);
	virtq_publish(q);
	CHECK("virtq: the device sees both", q->avail->idx == 2);
	int d1 = dev_take_avail(q), d2 = dev_take_avail(q);
	CHECK("virtq: heads as added", d1 == h1 && d2 == h2);
	CHECK("virtq: chain shape",
	      chain_length(q, d1) == 3 && q->desc[d1].addr == 0x1000 &&
	              !(q->desc[d1].flags & VIRTQ_DESC_F_WRITE));
	CHECK("virtq: nothing used yet", !virtq_has_used(q));

	/* Out of order completion. */
	dev_return(q, d2, 513);
	dev_return(q, d1, 7);
	uint32_t len;
	CHECK("virtq: second back first",
	      virtq_take_used(q, &len) == d2 && len == 513);
	CHECK("virtq: then the first",
	      virtq_take_used(q, &len) == d1 && len == 7);
	CHECK("virtq: all free again", q->num_free == size);
	CHECK("virtq: empty", virtq_take_used(q, &len) == -1);

	/* Many rounds through the ring: indexes wrap, the free list stays
	 * whole. */
	int ok = 1;
	for (unsigned round = 0; round < 70000 && ok; round++) {
		unsigned n = 1 + round % 4;
		int h = virtq_add(q, b, n > 3 ? 3 : n);
		virtq_publish(q);
		int d = dev_take_avail(q);
		if (h < 0 || d != h)
			ok = 0;
		dev_return(q, d, round);
		if (virtq_take_used(q, &len) != h || len != round ||
		    q->num_free != size)
			ok = 0;
	}
	CHECK("virtq: 70000 rounds, 16-bit indexes wrap", ok);

	/* A device returning a bogus id is not trusted. */
	h1 = virtq_add(q, b, 1);
	virtq_publish(q);
	dev_take_avail(q);
	dev_return(q, 200, 0);
	CHECK("virtq: out-of-range id refused", virtq_take_used(q, &len) == -1);
	dev_return(q, h1, 0);
	CHECK("virtq: a chain already free refused",
	      virtq_take_used(q, &len) == h1 &&
	              (dev_return(q, h1, 0), virtq_take_used(q, &len) == -1));
	free(mem);
	free(q);
}

/* ---------------------------------------------------------- command line */

static void test_cmdline(void)
{
	struct cmdline cl;
	char args[64], err[96];
	int r = cmdline_parse(
	        "-- --port=80  a virtio_mmio.device=512@0xfeb00e00:12 "
	        "virtio_mmio.device=4K@0xd0000000:5:1",
	        &cl, args, sizeof(args), err, sizeof(err));
	CHECK("cmdline: QEMU microvm style",
	      r == 0 && cl.mmio_count == 2 && strcmp(args, "--port=80 a") == 0);
	CHECK("cmdline: first device", cl.mmio[0].base == 0xfeb00e00 &&
	                                       cl.mmio[0].size == 512 &&
	                                       cl.mmio[0].irq == 12);
	CHECK("cmdline: K suffix and device id",
	      cl.mmio[1].size == 4096 && cl.mmio[1].base == 0xd0000000 &&
	              cl.mmio[1].irq == 5);
	r = cmdline_parse("console=ttyS0 -- x", &cl, args, sizeof(args), err,
	                  sizeof(err));
	CHECK("cmdline: words before -- are the platform's",
	      r == 0 && strcmp(args, "x") == 0 && cl.ignored == 1);
	r = cmdline_parse("a -- b", &cl, args, sizeof(args), err, sizeof(err));
	CHECK("cmdline: only the first -- separates",
	      r == 0 && strcmp(args, "b") == 0);
	r = cmdline_parse("-- a -- b", &cl, args, sizeof(args), err,
	                  sizeof(err));
	CHECK("cmdline: a later -- is an argument",
	      r == 0 && strcmp(args, "a -- b") == 0);
	r = cmdline_parse("plain words", &cl, args, sizeof(args), err,
	                  sizeof(err));
	CHECK("cmdline: no -- at all",
	      r == 0 && strcmp(args, "plain words") == 0);
	r = cmdline_parse("", &cl, args, sizeof(args), err, sizeof(err));
	CHECK("cmdline: empty", r == 0 && args[0] == 0 && cl.mmio_count == 0);
	const char *bad[] = {"virtio_mmio.device=512@0xfeb00e00",
	                     "virtio_mmio.device=0@0x1000:5",
	                     "virtio_mmio.device=512@:5",
	                     "virtio_mmio.device=512@0x1000:5:",
	                     "virtio_mmio.device=512@0x1000:300",
	                     "virtio_mmio.device=99999999999999999999@0x1:1",
	                     "virtio_mmio.device=512@0xffffffffffffffff:1",
	                     "virtio_mmio.device=2G@0x1:1"};
	int all = 1;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cmdline_parse(bad[i], &cl, args, sizeof(args), err,
		                  sizeof(err)) != -1 ||
		    strstr(err, "malformed device description") == NULL)
			all = 0;
	CHECK("cmdline: malformed device words refused", all);
	r = cmdline_parse(
	        "-- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "aaaaaaaaaaaa",
	        &cl, args, sizeof(args), err, sizeof(err));
	CHECK("cmdline: too long for the buffer",
	      r == -1 && strstr(err, "too long"));
}

/* ------------------------------------------------------------ start info */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void test_startinfo(void)
{
	static uint8_t mem[4096];
	static struct pvh_boot out;
	const uint64_t base = 0x1000;
	memset(mem, 0, sizeof(mem));
	put32(mem + 0, 0x336ec578);
	put32(mem + 4, 1);
	put64(mem + 24, base + 200); /* cmdline */
	put64(mem + 32, 0xf0000);    /* rsdp */
	put64(mem + 40, base + 100); /* memmap */
	put32(mem + 48, 3);
	put64(mem + 100, 0); /* RAM 0 .. 640K */
	put64(mem + 108, 0x9fc00);
	put32(mem + 116, 1);
	put64(mem + 124, 0x9fc00); /* reserved */
	put64(mem + 132, 0x400);
	put32(mem + 140, 2);
	put64(mem + 148, 0x100000); /* RAM 1M .. 64M */
	put64(mem + 156, 0x3f00000);
	put32(mem + 164, 1);
	strcpy((char *)mem + 200, "-- hello");
	enum pvh_error e = pvh_parse(mem, base, sizeof(mem), base, &out);
	CHECK("startinfo: valid block",
	      e == PVH_OK && out.ram_count == 2 &&
	              out.ram[1].base == 0x100000 &&
	              out.ram[1].size == 0x3f00000 && out.rsdp == 0xf0000 &&
	              strcmp(out.cmdline, "-- hello") == 0);
	CHECK("startinfo: outside the window",
	      pvh_parse(mem, base, sizeof(mem), base + 4090, &out) ==
	                      PVH_BAD_ADDRESS &&
	              pvh_parse(mem, base, sizeof(mem), 0x10, &out) ==
	                      PVH_BAD_ADDRESS);
	put32(mem + 4, 0);
	CHECK("startinfo: version 0 refused",
	      pvh_parse(mem, base, sizeof(mem), base, &out) == PVH_NO_MEMMAP);
	put32(mem + 4, 1);
	put32(mem + 48, 200);
	CHECK("startinfo: memory map past the window",
	      pvh_parse(mem, base, sizeof(mem), base, &out) == PVH_BAD_MEMMAP);
	put32(mem + 48, 3);
	memset(mem + 4000, 'x', 96);
	put64(mem + 24, base + 4000);
	CHECK("startinfo: unterminated command line",
	      pvh_parse(mem, base, sizeof(mem), base, &out) ==
	                      PVH_BAD_CMDLINE &&
	              out.cmdline[0] == 0);
	put64(mem + 24, 0);
	put32(mem + 0, 0x12345678);
	CHECK("startinfo: bad magic",
	      pvh_parse(mem, base, sizeof(mem), base, &out) == PVH_BAD_MAGIC);
}

/* ------------------------------------------------------------------- PCI */

static void test_pci(void)
{
	uint8_t c[256];
	struct pci_virtio_caps caps;
	memset(c, 0, sizeof(c));
	c[6] = 0x10; /* capabilities list */
	c[0x34] = 0x40;
	put32(c + 0x20, 0xc0000004); /* BAR4: 64-bit memory */
	put32(c + 0x24, 0x1);        /* ... above 4 GiB */
	/* MSI-X: 3 entries, table in BAR1 at 0x800 */
	c[0x40] = 0x11, c[0x41] = 0x50, c[0x42] = 2, put32(c + 0x44, 0x801);
	uint8_t types[4] = {1, 2, 3, 4}, at[4] = {0x50, 0x60, 0x78, 0x88};
	for (int i = 0; i < 4; i++) {
		uint8_t *p = c + at[i];
		p[0] = 0x09;
		p[1] = i < 3 ? at[i + 1] : 0;
		p[2] = i == 1 ? 20 : 16;
		p[3] = types[i];
		p[4] = 4;
		put32(p + 8, 0x1000u * (unsigned)i);
		put32(p + 12, 0x1000);
		if (i == 1)
			put32(p + 16, 4);
	}
	uint64_t a;
	CHECK("pci: modern capabilities",
	      pci_parse_virtio_caps(c, sizeof(c), &caps) &&
	              caps.common.present && caps.notify.present &&
	              caps.isr.present && caps.device.present &&
	              caps.notify_mult == 4 && caps.notify.offset == 0x1000);
	CHECK("pci: MSI-X", caps.msix && caps.msix_size == 3 &&
	                            caps.msix_bir == 1 &&
	                            caps.msix_offset == 0x800);
	CHECK("pci: 64-bit BAR",
	      pci_bar_address(c, sizeof(c), 4, &a) && a == 0x1c0000000ull);
	CHECK("pci: unassigned BAR", !pci_bar_address(c, sizeof(c), 0, &a));
	c[0x89] = 0x50; /* a loop back to the first vendor capability */
	CHECK("pci: a looping list is refused",
	      !pci_parse_virtio_caps(c, sizeof(c), &caps));
	c[0x89] = 0;
	c[0x34] = 0x20; /* pointing into the header */
	CHECK("pci: a pointer into the header is refused",
	      !pci_parse_virtio_caps(c, sizeof(c), &caps));
	c[0x34] = 0x40;
	CHECK("pci: a truncated config space is refused",
	      !pci_parse_virtio_caps(c, 0x60, &caps));
	c[6] = 0;
	CHECK("pci: no capabilities: legacy-only",
	      pci_parse_virtio_caps(c, sizeof(c), &caps) &&
	              !caps.common.present);
}

/* ------------------------------------------------- virtio-net header */

static void vhdr(uint8_t *p, uint8_t flags, uint8_t gso, uint16_t hdr_len,
                 uint16_t gso_size, uint16_t cs, uint16_t co, uint16_t nb)
{
	uint16_t f[5] = {hdr_len, gso_size, cs, co, nb};
	p[0] = flags;
	p[1] = gso;
	for (unsigned i = 0; i < 5; i++) {
		p[2 + 2 * i] = (uint8_t)f[i];
		p[3 + 2 * i] = (uint8_t)(f[i] >> 8);
	}
}

/* The check of the header at p for a frame of len bytes. */
static bool vhdr_ok(const uint8_t *p, size_t len, uint32_t rx,
                    struct platform_net_meta *m)
{
	struct vnet_hdr h;
	vnet_hdr_read(p, &h);
	return vnet_hdr_check(&h, len, rx, 1500, m) == NULL;
}

static void test_net_hdr(void)
{
	const uint32_t all =
	        PLATFORM_NET_OFF_RX_CSUM | PLATFORM_NET_OFF_RX_TSO4;
	uint8_t p[VNET_HDR_LEN];
	struct platform_net_meta m;
	struct vnet_hdr h;

	vhdr(p, 0, 0, 0, 0, 0, 0, 1);
	CHECK("net hdr: a plain frame", vhdr_ok(p, 60, 0, &m) && !m.flags);
	CHECK("net hdr: a plain frame over the MTU is refused",
	      !vhdr_ok(p, 1515, all, &m));
	vhdr(p, 2, 0, 0, 0, 0, 0, 1);
	CHECK("net hdr: DATA_VALID with GUEST_CSUM",
	      vhdr_ok(p, 60, PLATFORM_NET_OFF_RX_CSUM, &m) &&
	              m.flags == PLATFORM_NET_META_DATA_VALID);
	CHECK("net hdr: DATA_VALID without GUEST_CSUM is refused",
	      !vhdr_ok(p, 60, 0, &m));
	vhdr(p, 0x4, 0, 0, 0, 0, 0, 1);
	CHECK("net hdr: an unknown flag is refused", !vhdr_ok(p, 60, all, &m));
	vhdr(p, 1, 0, 0, 0, 34, 16, 1);
	CHECK("net hdr: a partial TCP checksum",
	      vhdr_ok(p, 54, all, &m) &&
	              m.flags == PLATFORM_NET_META_NEEDS_CSUM &&
	              m.csum_start == 34 && m.csum_offset == 16);
	CHECK("net hdr: a checksum field past the end is refused",
	      !vhdr_ok(p, 51, all, &m));
	vhdr(p, 1, 0, 0, 0, 20, 16, 1);
	CHECK("net hdr: a checksum inside the IP header is refused",
	      !vhdr_ok(p, 60, all, &m));
	vhdr(p, 1, 0, 0, 0, 34, 10, 1);
	CHECK("net hdr: a checksum offset of neither TCP nor UDP is refused",
	      !vhdr_ok(p, 60, all, &m));
	vhdr(p, 0, 0, 0, 0, 34, 16, 1);
	CHECK("net hdr: a checksum position without NEEDS_CSUM is refused",
	      !vhdr_ok(p, 60, all, &m));
	vhdr(p, 1, 1, 54, 1448, 34, 16, 3);
	CHECK("net hdr: a coalesced TCP frame",
	      vhdr_ok(p, 4398, all, &m) &&
	              m.gso_type == PLATFORM_NET_GSO_TCPV4 &&
	              m.gso_size == 1448 && m.hdr_len == 54);
	CHECK("net hdr: a coalesced frame without GUEST_TSO4 is refused",
	      !vhdr_ok(p, 4398, PLATFORM_NET_OFF_RX_CSUM, &m));
	CHECK("net hdr: a coalesced frame over 65535 IP bytes is refused",
	      !vhdr_ok(p, PLATFORM_NET_FRAME_MAX + 1, all, &m));
	vhdr(p, 1, 0x81, 54, 1448, 34, 16, 1);
	CHECK("net hdr: GSO with ECN (not negotiated) is refused",
	      !vhdr_ok(p, 4398, all, &m));
	vhdr(p, 1, 3, 42, 1400, 34, 6, 1);
	CHECK("net hdr: UDP GSO is refused", !vhdr_ok(p, 4398, all, &m));
	vhdr(p, 1, 1, 54, 0, 34, 16, 1);
	CHECK("net hdr: a coalesced frame with no segment size is refused",
	      !vhdr_ok(p, 4398, all, &m));
	vhdr(p, 2, 1, 54, 1448, 0, 0, 1);
	CHECK("net hdr: a coalesced frame without a partial checksum is "
	      "refused",
	      !vhdr_ok(p, 4398, all, &m));
	vhdr(p, 0, 0, 0, 1448, 0, 0, 1);
	CHECK("net hdr: a segment size without GSO is refused",
	      !vhdr_ok(p, 60, all, &m));

	vhdr(p, 0, 0, 0, 0, 0, 0, 0);
	vnet_hdr_read(p, &h);
	CHECK("net hdr: num_buffers 0 is refused",
	      vnet_hdr_buffers(&h, true, 8) == 0);
	CHECK("net hdr: num_buffers unused without MRG_RXBUF",
	      vnet_hdr_buffers(&h, false, 8) == 1);
	vhdr(p, 0, 0, 0, 0, 0, 0, 9);
	vnet_hdr_read(p, &h);
	CHECK("net hdr: more buffers than returned is refused",
	      vnet_hdr_buffers(&h, true, 8) == 0);
	vhdr(p, 0, 0, 0, 0, 0, 0, 8);
	vnet_hdr_read(p, &h);
	CHECK("net hdr: num_buffers within what was returned",
	      vnet_hdr_buffers(&h, true, 8) == 8);
}

int main(void)
{
	test_virtq();
	test_cmdline();
	test_startinfo();
	test_pci();
	test_net_hdr();
	return failures ? 1 : 0;
}
