/*
 * virtio_pci.h - the virtio-pci transport, modern interface only (virtio
 * 1.x, section 4.1): common, notify, ISR and device structures found
 * through vendor capabilities.
 */
#ifndef VIRTIO_VIRTIO_PCI_H
#define VIRTIO_VIRTIO_PCI_H

#include "hw.h"
#include "pci.h"
#include "virtio.h"

/* Set up d (bus, devfn filled in) from its configuration space (cfg,
 * refreshed here): place unassigned memory BARs, map the structures,
 * enable memory decoding and bus mastering, MSI-X. Returns
 * false (after a message) for a device Kiln cannot drive. */
bool vpci_setup(struct virtio_dev *d, uint8_t cfg[PCI_CFG_SIZE]);

/* The transport's operations (virtio.h), set in d->ops by vpci_setup. */
extern const struct virtio_ops vpci_ops;

#endif /* VIRTIO_VIRTIO_PCI_H */
