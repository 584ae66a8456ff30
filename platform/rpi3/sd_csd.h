/*
 * sd_csd.h - what the SD driver reads from the card's registers: the
 * capacity from its CSD (SD Physical Layer Simplified Specification 5.3:
 * CSD versions 1.0 and 2.0) as the SDHCI controller returns it.
 *
 * The CSD comes from the card, so it is outside data: every field is
 * checked (unknown structure versions and impossible sizes are refused).
 * Fuzzed by fuzz/sd_csd.c.
 */
#ifndef RPI3_SD_CSD_H
#define RPI3_SD_CSD_H

#include <stdint.h>

/*
 * resp: the four SDHCI response registers after CMD9 (an R2 response:
 * CSD bits 127..8, the CRC stripped, so CSD bit n is bit n - 8 of
 * resp[3]:resp[2]:resp[1]:resp[0]). Returns the capacity in bytes, or 0
 * for a CSD Kiln cannot read.
 */
uint64_t sd_csd_capacity(const uint32_t resp[4]);

#endif /* RPI3_SD_CSD_H */
