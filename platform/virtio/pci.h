/*
 * pci.h - PCI configuration space (mechanism #1, ports 0xcf8/0xcfc) and
 * the parsing of a function's capability list for virtio-pci.
 */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_CFG_SIZE 256

uint32_t pci_read32(uint8_t bus, uint8_t devfn, uint8_t off);
void pci_write32(uint8_t bus, uint8_t devfn, uint8_t off, uint32_t v);
/* Read the 256-byte configuration space of a function. */
void pci_read_config(uint8_t bus, uint8_t devfn, uint8_t cfg[PCI_CFG_SIZE]);

/* virtio_pci_cap cfg_type values */
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR 3
#define VIRTIO_PCI_CAP_DEVICE 4

struct pci_region {
	bool present;
	uint8_t bar;
	uint32_t offset, length;
};

struct pci_virtio_caps {
	struct pci_region common, notify, isr, device;
	uint32_t notify_mult;
	bool msix;
	uint8_t msix_cap; /* offset of the MSI-X capability */
	uint16_t msix_size;
	uint8_t msix_bir;
	uint32_t msix_offset;
};

/*
 * Walk the capability list of a configuration-space snapshot (len bytes,
 * normally 256) and record the virtio structures and MSI-X. Returns false
 * when the list is malformed (pointer out of range, loop, short
 * capability). A device without virtio capabilities parses fine with
 * common.present false.
 */
bool pci_parse_virtio_caps(const uint8_t *cfg, size_t len,
                           struct pci_virtio_caps *out);

/* The memory address BAR bar decodes (64-bit BARs spanning two slots);
 * false for an I/O BAR, an unassigned one or a bad index. */
bool pci_bar_address(const uint8_t *cfg, size_t len, unsigned bar,
                     uint64_t *addr);

#endif /* VIRTIO_PCI_H */
