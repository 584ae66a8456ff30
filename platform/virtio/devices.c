/*
 * devices.c - discovery of virtio devices (virtio_mmio.device= words, PCI
 * bus 0), the shared drivers' hooks (virtio_host.h), and platform_yield(),
 * the one place the unikernel sleeps. The drivers and the device table
 * are platform/virtio_drivers/.
 */
#include "devices.h"
#include "clock.h"
#include "kernel.h"
#include "pci.h"
#include "serial.h"
#include "stop.h"
#include "virtio_host.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"

#define VIRTIO_PCI_VENDOR 0x1af4

static bool have_pci, have_mmio_words;
uint64_t yield_sleeps;

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

static void discover_mmio(const struct cmdline *cl)
{
	for (unsigned i = 0; i < cl->mmio_count; i++) {
		struct device *d = devices_slot();
		if (!d)
			return;
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
			devices_probe(d);
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
			struct device *d = NULL;
			if ((id & 0xffff) == VIRTIO_PCI_VENDOR &&
			    did >= 0x1000 && did <= 0x107f &&
			    (d = devices_slot()) != NULL) {
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
				    d->vd.device_id != VIRTIO_ID_BLOCK &&
				    d->vd.device_id != VIRTIO_ID_ENTROPY) {
					devices_probe(d);
				} else if (vpci_setup(&d->vd, cfg)) {
					devices_probe(d);
				}
			}
			if (fn == 0 && !multi)
				break;
		}
	}
}

void devices_discover(const struct cmdline *cl, uint64_t *heap, uint64_t *size)
{
	devices_dma_region(*heap, *heap + *size);
	have_mmio_words = cl->mmio_count > 0;
	discover_mmio(cl);
	discover_pci();
	*size = devices_dma_top() - *heap;
}

/* ------------------------------------------------- the drivers' hooks */

void virtio_host_puts(const char *s)
{
	serial_puts(s);
}

bool virtio_host_route_irq(struct virtio_dev *d)
{
	return supervisor_call(SYS_IRQ_ROUTE, d->irq, d->slot) == 0;
}

void virtio_host_lookup(void)
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
}

/* ---------------------------------------------------------------- yield */

platform_device_set platform_yield(platform_time deadline)
{
	for (;;) {
		if (stop_asked())
			return PLATFORM_STOP;
		bool irqs;
		platform_device_set ready = devices_ready(false, &irqs);
		platform_time now = platform_clock_monotonic();
		if (ready || deadline <= now)
			return ready;
		ready = devices_ready(true, &irqs);
		if (ready)
			return ready;
		platform_time until = deadline;
		/* A device without interrupts is polled every millisecond,
		 * a stop request without one every 100 ms. */
		if (!irqs && until - now > 1000000)
			until = now + 1000000;
		if (stop_polled() && until - now > 100000000) {
			until = now + 100000000;
			if (stop_check())
				return PLATFORM_STOP;
		}
		uint64_t tsc = until == PLATFORM_TIME_NEVER
		                       ? UINT64_MAX
		                       : clock_deadline_tsc(until);
		yield_sleeps++;
		uint64_t woke = (uint64_t)supervisor_call(SYS_SLEEP, tsc, 0);
		if (woke & stop_slot_bit())
			stop_check();
	}
}
