/*
 * virtio_pci.c - virtio over PCI (QEMU's pc and q35 machines).
 *
 * Only the modern interface: a transitional device's legacy I/O BAR is
 * ignored, and a legacy-only device (QEMU's disable-modern=on) is refused
 * with a message. Interrupts use MSI-X, delivered straight to the local
 * APIC; without MSI-X the driver polls.
 */
#include "virtio_pci.h"
#include "kernel.h"

/* struct virtio_pci_common_cfg */
#define COMMON_DFSELECT 0
#define COMMON_DF 4
#define COMMON_GFSELECT 8
#define COMMON_GF 12
#define COMMON_MSIX_CONFIG 16
#define COMMON_NUMQ 18
#define COMMON_STATUS 20
#define COMMON_Q_SELECT 22
#define COMMON_Q_SIZE 24
#define COMMON_Q_MSIX 26
#define COMMON_Q_ENABLE 28
#define COMMON_Q_NOFF 30
#define COMMON_Q_DESCLO 32
#define COMMON_Q_DESCHI 36
#define COMMON_Q_AVAILLO 40
#define COMMON_Q_AVAILHI 44
#define COMMON_Q_USEDLO 48
#define COMMON_Q_USEDHI 52

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

static bool map_region(struct virtio_dev *d, const uint8_t *cfg,
                       const struct pci_region *r, uint32_t min_len,
                       uintptr_t *out)
{
	uint64_t bar;
	if (!r->present || r->length < min_len)
		return false;
	if (!pci_bar_address(cfg, PCI_CFG_SIZE, r->bar, &bar)) {
		virtio_log("kiln: virtio: ", d->where,
		           ": not used: a virtio structure is in an I/O or "
		           "unassigned BAR\n");
		return false;
	}
	uint64_t a = bar + r->offset;
	if (supervisor_call(SYS_MAP_MMIO, a, r->length) != 0) {
		virtio_log("kiln: virtio: ", d->where,
		           ": not used: cannot map a device window\n");
		return false;
	}
	*out = (uintptr_t)a;
	return true;
}

/*
 * Firmware that boots PVH images quickly (qboot) assigns no BARs, so the
 * driver places the memory BARs of the devices it uses itself: in the
 * 32-bit PCI hole, above both RAM and q35's MMCONFIG window (0xb0000000,
 * 256 MiB) and below the I/O APIC. 64-bit BARs go there too.
 */
#define PCI_HOLE_START 0xc0000000ull
#define PCI_HOLE_END 0xfec00000ull
static uint64_t next_bar_address;

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static bool assign_bars(struct virtio_dev *d, uint8_t cfg[PCI_CFG_SIZE])
{
	if (!next_bar_address) {
		next_bar_address = PCI_HOLE_START;
		for (unsigned i = 0; i < boot_info.ram_count; i++) {
			uint64_t end =
			        boot_info.ram[i].base + boot_info.ram[i].size;
			if (end <= PCI_HOLE_END && end > next_bar_address)
				next_bar_address = end;
		}
	}
	uint32_t cmd = pci_read32(d->bus, d->devfn, PCI_COMMAND);
	pci_write32(d->bus, d->devfn, PCI_COMMAND,
	            (cmd & 0xffff) & ~(uint32_t)PCI_COMMAND_MEMORY);
	bool ok = true;
	for (unsigned i = 0; i < 6; i++) {
		uint8_t reg = (uint8_t)(0x10 + 4 * i);
		uint32_t lo = pci_read32(d->bus, d->devfn, reg);
		bool wide = ((lo >> 1) & 3) == 2;
		if (lo & 1)
			continue; /* I/O space: the legacy interface, unused */
		uint32_t hi = wide && i < 5 ? pci_read32(d->bus, d->devfn,
		                                         (uint8_t)(reg + 4))
		                            : 0;
		if ((lo & ~0xfu) || hi) {
			i += wide;
			continue; /* already placed */
		}
		pci_write32(d->bus, d->devfn, reg, 0xffffffffu);
		uint64_t mask = pci_read32(d->bus, d->devfn, reg) & ~0xfu;
		if (wide && i < 5) {
			pci_write32(d->bus, d->devfn, (uint8_t)(reg + 4),
			            0xffffffffu);
			mask |= (uint64_t)pci_read32(d->bus, d->devfn,
			                             (uint8_t)(reg + 4))
			        << 32;
		} else {
			mask |= 0xffffffff00000000ull;
		}
		uint64_t size = ~mask + 1;
		if (mask == 0xffffffff00000000ull || size == 0) {
			pci_write32(d->bus, d->devfn, reg, lo);
			i += wide;
			continue; /* BAR not implemented */
		}
		uint64_t a =
		        align_up(next_bar_address, size < 4096 ? 4096 : size);
		if (a + size > PCI_HOLE_END) {
			ok = false;
			break;
		}
		next_bar_address = a + size;
		pci_write32(d->bus, d->devfn, reg, (uint32_t)a | (lo & 0xf));
		if (wide && i < 5)
			pci_write32(d->bus, d->devfn, (uint8_t)(reg + 4), 0);
		i += wide;
	}
	pci_write32(d->bus, d->devfn, PCI_COMMAND, cmd & 0xffff);
	pci_read_config(d->bus, d->devfn, cfg);
	return ok;
}

bool vpci_setup(struct virtio_dev *d, uint8_t cfg[PCI_CFG_SIZE])
{
	struct pci_virtio_caps caps;
	d->ops = &vpci_ops;
	if (!pci_parse_virtio_caps(cfg, PCI_CFG_SIZE, &caps)) {
		virtio_log("kiln: virtio: ", d->where,
		           ": not used: malformed PCI capability list\n");
		return false;
	}
	if (!caps.common.present) {
		virtio_log("kiln: virtio: ", d->where,
		           ": not used: legacy-only virtio device (no virtio "
		           "1.x capabilities); Kiln drives virtio 1.x only - "
		           "with QEMU, drop disable-modern=on\n");
		return false;
	}
	if (!assign_bars(d, cfg)) {
		virtio_log("kiln: virtio: ", d->where,
		           ": not used: no room for its BARs\n");
		return false;
	}
	uint32_t cmd = pci_read32(d->bus, d->devfn, PCI_COMMAND);
	pci_write32(d->bus, d->devfn, PCI_COMMAND,
	            (cmd & 0xffff) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (!map_region(d, cfg, &caps.common, 56, &d->common) ||
	    !map_region(d, cfg, &caps.notify, 2, &d->notify) ||
	    !map_region(d, cfg, &caps.isr, 1, &d->isr)) {
		virtio_log("kiln: virtio: ", d->where,
		           ": not used: missing or unusable virtio "
		           "structures\n");
		return false;
	}
	d->devcfg = 0;
	if (caps.device.present &&
	    !map_region(d, cfg, &caps.device, 1, &d->devcfg))
		return false;
	d->notify_mult = caps.notify_mult;

	d->msix_table = 0;
	if (caps.msix) {
		uint64_t bar;
		uint64_t bytes = (uint64_t)caps.msix_size * 16;
		if (pci_bar_address(cfg, PCI_CFG_SIZE, caps.msix_bir, &bar) &&
		    supervisor_call(SYS_MAP_MMIO, bar + caps.msix_offset,
		                    bytes) == 0) {
			d->msix_table = (uintptr_t)(bar + caps.msix_offset);
			d->msix_size = caps.msix_size;
			d->msix_cap = caps.msix_cap;
			/* Every entry masked until a queue claims one. */
			for (unsigned i = 0; i < d->msix_size; i++)
				mmio_write32(d->msix_table + 16 * i + 12, 1);
			uint32_t ctl =
			        pci_read32(d->bus, d->devfn, d->msix_cap);
			ctl = (ctl | 1u << 31) & ~(1u << 30); /* on, unmasked */
			pci_write32(d->bus, d->devfn, d->msix_cap, ctl);
		}
	}
	return true;
}

static uintptr_t c(struct virtio_dev *d, unsigned off)
{
	return d->common + off;
}

static uint8_t vpci_get_status(struct virtio_dev *d)
{
	return mmio_read8(c(d, COMMON_STATUS));
}

static void vpci_set_status(struct virtio_dev *d, uint8_t s)
{
	mmio_write8(c(d, COMMON_STATUS), s);
}

static uint64_t vpci_get_features(struct virtio_dev *d)
{
	mmio_write32(c(d, COMMON_DFSELECT), 0);
	uint64_t lo = mmio_read32(c(d, COMMON_DF));
	mmio_write32(c(d, COMMON_DFSELECT), 1);
	uint64_t hi = mmio_read32(c(d, COMMON_DF));
	return hi << 32 | lo;
}

static void vpci_set_features(struct virtio_dev *d, uint64_t f)
{
	mmio_write32(c(d, COMMON_GFSELECT), 0);
	mmio_write32(c(d, COMMON_GF), (uint32_t)f);
	mmio_write32(c(d, COMMON_GFSELECT), 1);
	mmio_write32(c(d, COMMON_GF), (uint32_t)(f >> 32));
	/* No interrupt for configuration changes. */
	if (d->msix_table)
		mmio_write16(c(d, COMMON_MSIX_CONFIG), VIRTIO_MSI_NO_VECTOR);
}

static uint16_t vpci_queue_max(struct virtio_dev *d, uint16_t index)
{
	if (index >= mmio_read16(c(d, COMMON_NUMQ)))
		return 0;
	mmio_write16(c(d, COMMON_Q_SELECT), index);
	return mmio_read16(c(d, COMMON_Q_SIZE));
}

static bool vpci_queue_enable(struct virtio_dev *d, struct virtq *q,
                              bool with_irq)
{
	uint64_t desc = (uintptr_t)q->desc, avail = (uintptr_t)q->avail;
	uint64_t used = (uintptr_t)q->used;
	mmio_write16(c(d, COMMON_Q_SELECT), q->index);
	mmio_write16(c(d, COMMON_Q_SIZE), q->size);
	mmio_write32(c(d, COMMON_Q_DESCLO), (uint32_t)desc);
	mmio_write32(c(d, COMMON_Q_DESCHI), (uint32_t)(desc >> 32));
	mmio_write32(c(d, COMMON_Q_AVAILLO), (uint32_t)avail);
	mmio_write32(c(d, COMMON_Q_AVAILHI), (uint32_t)(avail >> 32));
	mmio_write32(c(d, COMMON_Q_USEDLO), (uint32_t)used);
	mmio_write32(c(d, COMMON_Q_USEDHI), (uint32_t)(used >> 32));
	if (d->msix_table) {
		uint16_t vec = VIRTIO_MSI_NO_VECTOR;
		/* MSI-X entry 0 carries the device's interrupt slot. */
		if (with_irq && d->msix_size > 0) {
			uintptr_t e = d->msix_table;
			mmio_write32(e + 0,
			             0xfee00000u | boot_info.lapic_id << 12);
			mmio_write32(e + 4, 0);
			mmio_write32(e + 8, DEVICE_VECTOR_BASE + d->slot);
			mmio_write32(e + 12, 0); /* unmasked */
			vec = 0;
		}
		mmio_write16(c(d, COMMON_Q_MSIX), vec);
		if (mmio_read16(c(d, COMMON_Q_MSIX)) != vec)
			return false;
		if (vec == 0)
			d->has_irq = true;
	}
	uint32_t off = mmio_read16(c(d, COMMON_Q_NOFF));
	q->notify_addr = d->notify + (uintptr_t)off * d->notify_mult;
	mmio_write16(c(d, COMMON_Q_ENABLE), 1);
	return true;
}

static void vpci_notify(struct virtio_dev *d, struct virtq *q)
{
	(void)d;
	mmio_write16(q->notify_addr, q->index);
}

static void vpci_ack_interrupt(struct virtio_dev *d)
{
	if (!d->msix_table)
		(void)mmio_read8(d->isr); /* reading clears it */
}

const struct virtio_ops vpci_ops = {
        .get_status = vpci_get_status,
        .set_status = vpci_set_status,
        .get_features = vpci_get_features,
        .set_features = vpci_set_features,
        .queue_max = vpci_queue_max,
        .queue_enable = vpci_queue_enable,
        .notify = vpci_notify,
        .ack_interrupt = vpci_ack_interrupt,
};
