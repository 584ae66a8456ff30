/*
 * pci.c - PCI configuration access and capability parsing.
 */
#include "pci.h"
#include <kiln/view.h>

#ifndef KILN_FUZZ
#include "hw.h"

static uint32_t address(uint8_t bus, uint8_t devfn, uint8_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)devfn << 8 |
	       (off & 0xfcu);
}

uint32_t pci_read32(uint8_t bus, uint8_t devfn, uint8_t off)
{
	outl(0xcf8, address(bus, devfn, off));
	return inl(0xcfc);
}

void pci_write32(uint8_t bus, uint8_t devfn, uint8_t off, uint32_t v)
{
	outl(0xcf8, address(bus, devfn, off));
	outl(0xcfc, v);
}

void pci_read_config(uint8_t bus, uint8_t devfn, uint8_t cfg[PCI_CFG_SIZE])
{
	for (unsigned off = 0; off < PCI_CFG_SIZE; off += 4) {
		uint32_t v = pci_read32(bus, devfn, (uint8_t)off);
		cfg[off] = (uint8_t)v;
		cfg[off + 1] = (uint8_t)(v >> 8);
		cfg[off + 2] = (uint8_t)(v >> 16);
		cfg[off + 3] = (uint8_t)(v >> 24);
	}
}
#endif

#define PCI_STATUS 0x06
#define PCI_STATUS_CAPS 0x10
#define PCI_CAP_POINTER 0x34
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX 0x11

bool pci_parse_virtio_caps(const uint8_t *cfg, size_t len,
                           struct pci_virtio_caps *out)
{
	struct kiln_view all = kiln_view_make(cfg, len), v;
	uint16_t status;
	uint8_t ptr;

	*out = (struct pci_virtio_caps){0};
	if (!kiln_view_sub(&all, PCI_STATUS, 2, &v) ||
	    !kiln_view_u16_le(&v, &status))
		return false;
	if (!(status & PCI_STATUS_CAPS))
		return true;
	if (!kiln_view_sub(&all, PCI_CAP_POINTER, 1, &v) ||
	    !kiln_view_u8(&v, &ptr))
		return false;
	/* At most 48 capabilities fit after the header: more is a loop. */
	for (unsigned n = 0; ptr != 0; n++) {
		uint8_t id, next, cap_len, type, bar;
		uint32_t offset, length;
		ptr &= 0xfc;
		if (n == 48 || ptr < 0x40)
			return false;
		if (!kiln_view_sub(&all, ptr, 2, &v))
			return false;
		kiln_view_u8(&v, &id);
		kiln_view_u8(&v, &next);
		if (id == PCI_CAP_VENDOR) {
			if (!kiln_view_sub(&all, ptr, 16, &v))
				return false;
			kiln_view_skip(&v, 2);
			kiln_view_u8(&v, &cap_len);
			kiln_view_u8(&v, &type);
			kiln_view_u8(&v, &bar);
			kiln_view_skip(&v, 3);
			kiln_view_u32_le(&v, &offset);
			kiln_view_u32_le(&v, &length);
			if (v.bad || cap_len < 16)
				return false;
			struct pci_region *r =
			        type == VIRTIO_PCI_CAP_COMMON   ? &out->common
			        : type == VIRTIO_PCI_CAP_NOTIFY ? &out->notify
			        : type == VIRTIO_PCI_CAP_ISR    ? &out->isr
			        : type == VIRTIO_PCI_CAP_DEVICE ? &out->device
			                                        : NULL;
			/* The first of each type with a memory BAR wins. */
			if (r && !r->present && bar <= 5) {
				if (type == VIRTIO_PCI_CAP_NOTIFY) {
					struct kiln_view m;
					if (cap_len < 20 ||
					    !kiln_view_sub(&all, ptr + 16u, 4,
					                   &m) ||
					    !kiln_view_u32_le(
					            &m, &out->notify_mult))
						return false;
				}
				r->present = true;
				r->bar = bar;
				r->offset = offset;
				r->length = length;
			}
		} else if (id == PCI_CAP_MSIX && !out->msix) {
			uint16_t control;
			uint32_t table;
			if (!kiln_view_sub(&all, ptr, 12, &v))
				return false;
			kiln_view_skip(&v, 2);
			kiln_view_u16_le(&v, &control);
			kiln_view_u32_le(&v, &table);
			out->msix = true;
			out->msix_cap = ptr;
			out->msix_size = (uint16_t)((control & 0x7ff) + 1);
			out->msix_bir = (uint8_t)(table & 7);
			out->msix_offset = table & ~7u;
			if (out->msix_bir > 5)
				return false;
		}
		ptr = next;
	}
	return true;
}

bool pci_bar_address(const uint8_t *cfg, size_t len, unsigned bar,
                     uint64_t *addr)
{
	struct kiln_view all = kiln_view_make(cfg, len), v;
	uint32_t lo, hi = 0;
	if (bar > 5 || !kiln_view_sub(&all, 0x10 + 4 * bar, 4, &v) ||
	    !kiln_view_u32_le(&v, &lo))
		return false;
	if (lo & 1)
		return false; /* I/O space */
	if (((lo >> 1) & 3) == 2) {
		if (bar == 5 || !kiln_view_sub(&all, 0x14 + 4 * bar, 4, &v) ||
		    !kiln_view_u32_le(&v, &hi))
			return false;
	}
	*addr = (uint64_t)hi << 32 | (lo & ~0xfu);
	return *addr != 0;
}
