/*
 * sdhci.c - the SD card as block device "blk0" on rpi3: a polled,
 * programmed-I/O driver for the BCM2837's SD host controller (EMMC,
 * SDHCI-compatible) at EL0, and the block half of kiln/platform.h.
 *
 * The card is set up when the application first acquires it: reset,
 * power, a 400 kHz clock, then the SD initialisation (CMD0, CMD8,
 * ACMD41 until ready, CMD2, CMD3, CMD9 for the capacity, CMD7), then
 * 25 MHz. Sectors are 512 bytes; standard-capacity cards take byte
 * addresses, high-capacity ones block numbers (OCR's CCS). Every block is
 * one command (CMD17 read, CMD24 write) whose data moves through the
 * controller's data port, word by word. A write is done when the card
 * says so (transfer complete after its busy signal); flush waits until the
 * card is back in the transfer state (CMD13).
 *
 * Tested on QEMU's raspi3b only; real hardware is untested (docs/arm64.md).
 */
#include "hw.h"
#include "kernel.h"
#include "sd_csd.h"
#include <kiln/platform.h>

#define SD_BLKSIZECNT 0x04
#define SD_ARG1 0x08
#define SD_CMDTM 0x0c
#define SD_RESP0 0x10
#define SD_DATA 0x20
#define SD_STATUS 0x24
#define SD_CONTROL0 0x28
#define SD_CONTROL1 0x2c
#define SD_INTERRUPT 0x30
#define SD_IRPT_MASK 0x34
#define SD_IRPT_EN 0x38
#define SD_CAPABILITIES 0x40

#define STATUS_CMD_INHIBIT (1u << 0)
#define STATUS_DAT_INHIBIT (1u << 1)
#define STATUS_CARD_INSERTED (1u << 16)
#define C0_POWER_33V (0xfu << 8) /* bus power on, 3.3 V */
#define C1_CLK_INTERNAL (1u << 0)
#define C1_CLK_STABLE (1u << 1)
#define C1_CLK_CARD (1u << 2)
#define C1_TIMEOUT_MAX (0xeu << 16)
#define C1_RESET_ALL (1u << 24)
#define INT_CMD_DONE (1u << 0)
#define INT_DATA_DONE (1u << 1)
#define INT_WRITE_READY (1u << 4)
#define INT_READ_READY (1u << 5)
#define INT_ERROR (1u << 15)

/* The command register (upper half of CMDTM) and transfer mode. */
#define CMD_INDEX(n) ((uint32_t)(n) << 24)
#define CMD_RESP_NONE 0u
#define CMD_RESP_136 (1u << 16)
#define CMD_RESP_48 (2u << 16)
#define CMD_RESP_48_BUSY (3u << 16)
#define CMD_CRC (1u << 19)
#define CMD_INDEX_CHECK (1u << 20)
#define CMD_DATA (1u << 21)
#define TM_READ (1u << 4)

#define R1 (CMD_RESP_48 | CMD_CRC | CMD_INDEX_CHECK)
#define R1B (CMD_RESP_48_BUSY | CMD_CRC | CMD_INDEX_CHECK)
#define R2 (CMD_RESP_136 | CMD_CRC)
#define R3 CMD_RESP_48
#define R6 R1
#define R7 R1

#define SECTOR 512
#define TIMEOUT 1000000000 /* ns for one command or block */
#define HANDLE 0

static struct {
	bool probed, present, acquired, high_capacity;
	uint32_t rca;
	uint64_t capacity;
} card;

static uint32_t rd(unsigned reg)
{
	return mmio_read32(boot_info.emmc + reg);
}

static void wr(unsigned reg, uint32_t v)
{
	mmio_write32(boot_info.emmc + reg, v);
}

static void puts_(const char *s)
{
	size_t len = 0;
	while (s[len])
		len++;
	platform_console_write(s, len);
}

/* a, the number n, b. */
static void say(const char *a, uint64_t n, const char *b)
{
	char digits[21];
	unsigned i = sizeof(digits) - 1;
	digits[i] = 0;
	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	puts_(a);
	puts_(digits + i);
	puts_(b);
}

/* Wait until (reg & mask) == want, or the timeout. */
static bool wait_for(unsigned reg, uint32_t mask, uint32_t want)
{
	platform_time give_up = platform_clock_monotonic() + TIMEOUT;
	while ((rd(reg) & mask) != want)
		if (platform_clock_monotonic() > give_up)
			return false;
	return true;
}

/* Wait for an interrupt status bit (acknowledging it); false on an error
 * or the timeout. */
static bool wait_int(uint32_t bit)
{
	platform_time give_up = platform_clock_monotonic() + TIMEOUT;
	for (;;) {
		uint32_t i = rd(SD_INTERRUPT);
		if (i & INT_ERROR) {
			wr(SD_INTERRUPT, i);
			return false;
		}
		if (i & bit) {
			wr(SD_INTERRUPT, bit);
			return true;
		}
		if (platform_clock_monotonic() > give_up)
			return false;
	}
}

/* Send command n with arg; flags: response type and checks. */
static bool command(unsigned n, uint32_t arg, uint32_t flags)
{
	uint32_t inhibit =
	        STATUS_CMD_INHIBIT |
	        ((flags & (CMD_DATA | CMD_RESP_48_BUSY)) == CMD_RESP_48_BUSY
	                 ? STATUS_DAT_INHIBIT
	                 : 0);
	if (!wait_for(SD_STATUS, inhibit, 0))
		return false;
	wr(SD_INTERRUPT, 0xffffffffu);
	wr(SD_ARG1, arg);
	wr(SD_CMDTM, CMD_INDEX(n) | flags);
	if (!wait_int(INT_CMD_DONE))
		return false;
	if ((flags & CMD_RESP_48_BUSY) == CMD_RESP_48_BUSY &&
	    !wait_int(INT_DATA_DONE))
		return false;
	return true;
}

static bool app_command(unsigned n, uint32_t arg, uint32_t flags)
{
	return command(55, card.rca << 16, R1) && command(n, arg, flags);
}

/* SD clock = base / (2 * divider); a 10-bit divider. */
static bool set_clock(uint32_t hz)
{
	uint32_t base = ((rd(SD_CAPABILITIES) >> 8) & 0xff) * 1000000u;
	if (base == 0)
		base = 100000000u; /* not reported: the Pi's 100 MHz? */
	uint32_t div = (base + 2 * hz - 1) / (2 * hz);
	if (div > 0x3ff)
		div = 0x3ff;
	uint32_t c1 = rd(SD_CONTROL1) & ~(0xffffu);
	wr(SD_CONTROL1, c1);
	c1 |= C1_CLK_INTERNAL | C1_TIMEOUT_MAX | (div & 0xff) << 8 |
	      ((div >> 8) & 3) << 6;
	wr(SD_CONTROL1, c1);
	if (!wait_for(SD_CONTROL1, C1_CLK_STABLE, C1_CLK_STABLE))
		return false;
	wr(SD_CONTROL1, c1 | C1_CLK_CARD);
	return true;
}

static bool card_init(void)
{
	wr(SD_CONTROL1, C1_RESET_ALL);
	if (!wait_for(SD_CONTROL1, C1_RESET_ALL, 0))
		return false;
	wr(SD_CONTROL0, C0_POWER_33V);
	if (!set_clock(400000))
		return false;
	wr(SD_IRPT_MASK, 0xffffffffu); /* every status bit recorded */
	wr(SD_IRPT_EN, 0);             /* none signalled: polled */
	card.rca = 0;
	if (!command(0, 0, CMD_RESP_NONE))
		return false;
	/* CMD8: 2.7-3.6 V, check pattern 0xaa; no answer: a 1.x card. */
	bool v2 = command(8, 0x1aa, R7) && (rd(SD_RESP0) & 0xfff) == 0x1aa;
	platform_time give_up = platform_clock_monotonic() + TIMEOUT;
	uint32_t ocr;
	do {
		if (!app_command(41, (v2 ? 1u << 30 : 0) | 0x00ff8000u, R3))
			return false;
		ocr = rd(SD_RESP0);
		if (platform_clock_monotonic() > give_up)
			return false;
	} while (!(ocr & (1u << 31)));
	card.high_capacity = v2 && (ocr & (1u << 30));
	if (!command(2, 0, R2) || !command(3, 0, R6))
		return false;
	card.rca = rd(SD_RESP0) >> 16;
	if (!command(9, card.rca << 16, R2))
		return false;
	uint32_t csd[4];
	for (unsigned i = 0; i < 4; i++)
		csd[i] = rd(SD_RESP0 + 4 * i);
	card.capacity = sd_csd_capacity(csd) & ~(uint64_t)(SECTOR - 1);
	if (card.capacity == 0)
		return false;
	if (!command(7, card.rca << 16, R1B))
		return false;
	if (!card.high_capacity && !command(16, SECTOR, R1))
		return false;
	return set_clock(25000000);
}

/* One block between buf and sector, by PIO through the data port. */
static bool block(uint64_t sector, uint8_t *buf, bool write)
{
	uint32_t addr = card.high_capacity ? (uint32_t)sector
	                                   : (uint32_t)(sector * SECTOR);
	wr(SD_BLKSIZECNT, 1u << 16 | SECTOR);
	if (!command(write ? 24 : 17, addr,
	             R1 | CMD_DATA | (write ? 0 : TM_READ)))
		return false;
	if (!wait_int(write ? INT_WRITE_READY : INT_READ_READY))
		return false;
	for (unsigned i = 0; i < SECTOR; i += 4) {
		if (write) {
			uint32_t w = (uint32_t)buf[i] |
			             (uint32_t)buf[i + 1] << 8 |
			             (uint32_t)buf[i + 2] << 16 |
			             (uint32_t)buf[i + 3] << 24;
			wr(SD_DATA, w);
		} else {
			uint32_t w = rd(SD_DATA);
			buf[i] = (uint8_t)w;
			buf[i + 1] = (uint8_t)(w >> 8);
			buf[i + 2] = (uint8_t)(w >> 16);
			buf[i + 3] = (uint8_t)(w >> 24);
		}
	}
	return wait_int(INT_DATA_DONE);
}

/* --------------------------------------------------- platform.h: block */

enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info)
{
	static const char want[] = "blk0";
	for (unsigned i = 0; i < sizeof(want); i++)
		if (!name || name[i] != want[i])
			return PLATFORM_ENOENT;
	if (!card.probed) {
		card.probed = true;
		if (!(rd(SD_STATUS) & STATUS_CARD_INSERTED)) {
			puts_("kiln: rpi3: no SD card\n");
		} else if (!card_init()) {
			puts_("kiln: rpi3: the SD card does not answer its "
			      "initialisation\n");
		} else {
			card.present = true;
			say("kiln: rpi3: blk0: SD card (", card.capacity,
			    card.high_capacity
			            ? " bytes, high capacity)\n"
			            : " bytes, standard capacity)\n");
		}
	}
	if (!card.present)
		return PLATFORM_ENOENT;
	if (card.acquired)
		return PLATFORM_EINVAL;
	card.acquired = true;
	*h = HANDLE;
	info->capacity = card.capacity;
	info->sector_size = SECTOR;
	return PLATFORM_OK;
}

static enum platform_result io(platform_handle h, uint64_t offset, uint8_t *buf,
                               size_t size, bool write)
{
	if (h != HANDLE || !card.acquired || (offset % SECTOR) ||
	    (size % SECTOR) || offset > card.capacity ||
	    size > card.capacity - offset || (size && !buf))
		return PLATFORM_EINVAL;
	for (size_t done = 0; done < size; done += SECTOR) {
		if (!block((offset + done) / SECTOR, buf + done, write)) {
			say(write ? "kiln: rpi3: blk0: write of sector "
			          : "kiln: rpi3: blk0: read of sector ",
			    (offset + done) / SECTOR, " failed\n");
			return PLATFORM_EUNSPEC;
		}
	}
	return PLATFORM_OK;
}

enum platform_result platform_block_read(platform_handle h, uint64_t offset,
                                         void *buf, size_t size)
{
	return io(h, offset, buf, size, false);
}

enum platform_result platform_block_write(platform_handle h, uint64_t offset,
                                          const void *buf, size_t size)
{
	return io(h, offset, (uint8_t *)(uintptr_t)buf, size, true);
}

enum platform_result platform_block_flush(platform_handle h)
{
	if (h != HANDLE || !card.acquired)
		return PLATFORM_EINVAL;
	/* Each write completed when the card released its busy signal;
	 * CMD13 confirms it is back in the transfer state (4) and ready
	 * for data. */
	platform_time give_up = platform_clock_monotonic() + TIMEOUT;
	for (;;) {
		if (!command(13, card.rca << 16, R1))
			return PLATFORM_EUNSPEC;
		uint32_t st = rd(SD_RESP0);
		if (((st >> 9) & 0xf) == 4 && (st & (1u << 8)))
			return PLATFORM_OK;
		if (platform_clock_monotonic() > give_up)
			return PLATFORM_EUNSPEC;
	}
}
