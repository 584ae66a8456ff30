/*
 * fuzz/virtio_pci_caps.c - libFuzzer harness for the virtio target's PCI
 * configuration-space parsing: the capability list walk (virtio
 * structures, MSI-X) and BAR decoding, on arbitrary config-space bytes of
 * any length.
 */
#include "../platform/virtio/pci.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *cfg = malloc(size ? size : 1);
	memcpy(cfg, data, size);
	struct pci_virtio_caps caps;
	if (pci_parse_virtio_caps(cfg, size, &caps)) {
		if (caps.msix && (caps.msix_bir > 5 || caps.msix_size == 0 ||
		                  caps.msix_size > 2048))
			abort();
		const struct pci_region *r[] = {&caps.common, &caps.notify,
		                                &caps.isr, &caps.device};
		for (int i = 0; i < 4; i++)
			if (r[i]->present && r[i]->bar > 5)
				abort();
	}
	for (unsigned bar = 0; bar < 7; bar++) {
		uint64_t a;
		if (pci_bar_address(cfg, size, bar, &a) && (a == 0 || bar > 5))
			abort();
	}
	free(cfg);
	return 0;
}
