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

uint8_t vpci_get_status(struct virtio_dev *d);
void vpci_set_status(struct virtio_dev *d, uint8_t s);
uint64_t vpci_get_features(struct virtio_dev *d);
void vpci_set_features(struct virtio_dev *d, uint64_t f);
uint16_t vpci_queue_max(struct virtio_dev *d, uint16_t index);
bool vpci_queue_enable(struct virtio_dev *d, struct virtq *q, bool with_irq);
void vpci_notify(struct virtio_dev *d, struct virtq *q);
void vpci_ack_interrupt(struct virtio_dev *d);

#endif /* VIRTIO_VIRTIO_PCI_H */
