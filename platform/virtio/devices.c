/*
 * devices.c - discovery of virtio devices, their handles, and
 * platform_yield(), the one place the unikernel sleeps.
 */
#include "devices.h"
#include "clock.h"
#include "kernel.h"
#include "pci.h"
#include "serial.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"

#define VIRTIO_PCI_VENDOR 0x1af4

static struct device devices[MAX_DEVICES];
static unsigned device_count;
static unsigned net_count, blk_count;
static uint64_t dma_lo, dma_hi; /* the heap while devices take memory */
static bool have_pci, have_mmio_words;
uint64_t yield_sleeps;

void *dma_alloc(uint64_t bytes)
{
	bytes = (bytes + 4095) & ~4095ull;
	/* Leave the application at least 1 MiB. */
	if (dma_hi < dma_lo || dma_hi - dma_lo < bytes + (1u << 20))
		return NULL;
	dma_hi -= bytes;
	virtio_zero((void *)(uintptr_t)dma_hi, bytes);
	return (void *)(uintptr_t)dma_hi;
}

static void set_name(struct device *d, const char *prefix, unsigned n)
{
	unsigned i = 0;
	for (; prefix[i]; i++)
		d->name[i] = prefix[i];
	d->name[i++] = (char)('0' + n % 10);
	d->name[i] = 0;
}

static void format_hex(char *out, const char *prefix, uint64_t v)
{
	unsigned i = 0;
	for (; prefix[i]; i++)
		out[i] = prefix[i];
	out[i++] = '0';
	out[i++] = 'x';
	int shift = 60;
	while (shift > 0 && !((v >> shift) & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		out[i++] = "0123456789abcdef"[(v >> shift) & 0xf];
	out[i] = 0;
}

/* Hand a found device to its driver. */
static void probe(struct device *d)
{
	d->vd.slot = (unsigned)(d - devices);
	if (d->vd.device_id == VIRTIO_ID_NET) {
		if (net_count < 10 && virtio_net_probe(&d->vd, net_count)) {
			d->net = vnet_at(net_count);
			set_name(d, "net", net_count++);
			device_count++;
		}
	} else if (d->vd.device_id == VIRTIO_ID_BLOCK) {
		if (blk_count < 10 && virtio_blk_probe(&d->vd, blk_count)) {
			d->blk = vblk_at(blk_count);
			set_name(d, "blk", blk_count++);
			device_count++;
		}
	} else {
		virtio_log_num(
		        "kiln: virtio: ignoring a virtio device of type ",
		        d->vd.device_id, " at ");
		virtio_log(d->vd.where, "\n", NULL);
	}
}

static void discover_mmio(const struct cmdline *cl)
{
	for (unsigned i = 0; i < cl->mmio_count; i++) {
		if (device_count == MAX_DEVICES)
			return;
		struct device *d = &devices[device_count];
		virtio_zero(d, sizeof(*d));
		d->vd.transport = VIRTIO_MMIO;
		d->vd.base = (uintptr_t)cl->mmio[i].base;
		d->vd.irq = cl->mmio[i].irq;
		format_hex(d->vd.where, "mmio ", cl->mmio[i].base);
		/* The same window named twice (a word repeated on the command
		 * line) would get two drivers fighting over one device. */
		bool seen = false;
		for (unsigned j = 0; j < i; j++)
			seen |= cl->mmio[j].base == cl->mmio[i].base;
		if (seen) {
			virtio_log("kiln: virtio: ", d->vd.where,
			           ": named twice on the command line, the "
			           "repeat is ignored\n");
			continue;
		}
		if (supervisor_call(SYS_MAP_MMIO, cl->mmio[i].base,
		                    cl->mmio[i].size) != 0) {
			virtio_log("kiln: virtio: ", d->vd.where,
			           ": cannot map the window (overlaps RAM?)\n");
			continue;
		}
		if (vmmio_identify(&d->vd) == 1)
			probe(d);
	}
}

static void discover_pci(void)
{
	static uint8_t cfg[PCI_CFG_SIZE];
	if ((pci_read32(0, 0, 0) & 0xffff) == 0xffff)
		return; /* no PCI host bridge (microvm, Firecracker) */
	have_pci = true;
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint8_t devfn = (uint8_t)(dev << 3 | fn);
			uint32_t id = pci_read32(0, devfn, 0);
			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			bool multi = pci_read32(0, devfn, 0x0c) & (1u << 23);
			uint16_t did = (uint16_t)(id >> 16);
			if ((id & 0xffff) == VIRTIO_PCI_VENDOR &&
			    did >= 0x1000 && did <= 0x107f &&
			    device_count < MAX_DEVICES) {
				struct device *d = &devices[device_count];
				virtio_zero(d, sizeof(*d));
				d->vd.transport = VIRTIO_PCI;
				d->vd.bus = 0;
				d->vd.devfn = devfn;
				char *w = d->vd.where;
				const char *p = "pci 00:";
				unsigned k = 0;
				for (; p[k]; k++)
					w[k] = p[k];
				w[k++] = "0123456789abcdef"[dev >> 4];
				w[k++] = "0123456789abcdef"[dev & 15];
				w[k++] = '.';
				w[k++] = (char)('0' + fn);
				w[k] = 0;
				pci_read_config(0, devfn, cfg);
				/* Modern IDs are 0x1040 + type; transitional
				 * ones carry the type as subsystem ID. */
				d->vd.device_id =
				        did >= 0x1040
				                ? did - 0x1040u
				                : (uint32_t)(cfg[0x2e] |
				                             cfg[0x2f] << 8);
				if (d->vd.device_id != VIRTIO_ID_NET &&
				    d->vd.device_id != VIRTIO_ID_BLOCK) {
					probe(d);
				} else if (vpci_setup(&d->vd, cfg)) {
					probe(d);
				}
			}
			if (fn == 0 && !multi)
				break;
		}
	}
}

void devices_discover(const struct cmdline *cl, uint64_t *heap, uint64_t *size)
{
	dma_lo = *heap;
	dma_hi = *heap + *size;
	have_mmio_words = cl->mmio_count > 0;
	discover_mmio(cl);
	discover_pci();
	*size = dma_hi - dma_lo;
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

struct device *device_find(const char *name, platform_handle *h)
{
	static bool hinted;
	if (!have_pci && !have_mmio_words && !hinted) {
		/* Nothing could have been found: say where devices come from,
		 * once. */
		hinted = true;
		virtio_log(
		        "kiln: virtio: no PCI bus and no virtio_mmio.device= "
		        "on the command line, so no devices (QEMU microvm: "
		        "run it with acpi=off)\n",
		        NULL, NULL);
	}
	for (unsigned i = 0; i < device_count; i++) {
		if (name && same(devices[i].name, name)) {
			*h = i;
			return &devices[i];
		}
	}
	return NULL;
}

struct device *device_get(platform_handle h)
{
	if (h >= device_count || !devices[h].acquired)
		return NULL;
	return &devices[h];
}

/* ---------------------------------------------------------------- yield */

/* The acquired network devices with a frame waiting. With ack set, each
 * device's interrupt is acknowledged first (a register access, which
 * costs an exit), so that a frame arriving after the look raises the line
 * again: done only before sleeping. */
static platform_device_set ready_devices(bool ack, bool *all_have_irq)
{
	platform_device_set ready = 0;
	*all_have_irq = true;
	for (unsigned i = 0; i < device_count; i++) {
		struct device *d = &devices[i];
		if (!d->acquired || !d->net)
			continue;
		if (ack)
			virtio_ack_interrupt(&d->vd);
		if (vnet_rx_ready(d->net))
			ready |= 1ull << i;
		if (!d->vd.has_irq)
			*all_have_irq = false;
	}
	return ready;
}

platform_device_set platform_yield(platform_time deadline)
{
	for (;;) {
		bool irqs;
		platform_device_set ready = ready_devices(false, &irqs);
		platform_time now = platform_clock_monotonic();
		if (ready || deadline <= now)
			return ready;
		ready = ready_devices(true, &irqs);
		if (ready)
			return ready;
		platform_time until = deadline;
		/* A device without interrupts is polled every millisecond. */
		if (!irqs && until - now > 1000000)
			until = now + 1000000;
		uint64_t tsc = until == PLATFORM_TIME_NEVER
		                       ? UINT64_MAX
		                       : clock_deadline_tsc(until);
		yield_sleeps++;
		supervisor_call(SYS_SLEEP, tsc, 0);
	}
}
