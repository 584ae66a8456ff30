/*
 * gic.c - GICv2 and GICv3 for the arm64 supervisor (see gic.h).
 */
#include "kernel.h"
EL1_CODE

#include "gic.h"
#include "hw.h"

/* Distributor (both versions). */
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_IROUTER 0x6000
#define GICD_CTLR_RWP (1u << 31)
/* GICv3, one security state: EnableGrp1 and affinity routing. */
#define GICD_CTLR_V3 ((1u << 1) | (1u << 4))

/* GICv2 CPU interface. */
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010

/* GICv3 redistributor: the control frame, then the SGI/PPI frame. */
#define GICR_WAKER 0x014
#define GICR_SGI 0x10000
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)

#define PRIORITY 0xa0 /* below the mask (0xff): always signalled */

static unsigned version KERNEL_BSS;
static uint64_t dist KERNEL_BSS, cpu KERNEL_BSS, sgi KERNEL_BSS;
static unsigned lines KERNEL_BSS; /* INTIDs the distributor has */

static void v3_wait_rwp(void)
{
	for (unsigned i = 0; i < 1000000; i++)
		if (!(mmio_read32(dist + GICD_CTLR) & GICD_CTLR_RWP))
			return;
}

void gic_init(unsigned v, uint64_t d, uint64_t c)
{
	version = v;
	dist = d;
	lines = 32 * ((mmio_read32(dist + GICD_TYPER) & 0x1f) + 1);
	if (lines > 1020)
		lines = 1020;
	mmio_write32(dist + GICD_CTLR, 0);
	if (version == 3)
		v3_wait_rwp();
	/* Every SPI off, level-triggered, group 1 (v3), one priority,
	 * to CPU 0. */
	for (unsigned i = 32; i < lines; i += 32) {
		mmio_write32(dist + GICD_ICENABLER + i / 8, 0xffffffffu);
		mmio_write32(dist + GICD_ICPENDR + i / 8, 0xffffffffu);
		if (version == 3)
			mmio_write32(dist + GICD_IGROUPR + i / 8, 0xffffffffu);
	}
	for (unsigned i = 32; i < lines; i += 16)
		mmio_write32(dist + GICD_ICFGR + i / 4, 0);
	for (unsigned i = 32; i < lines; i += 4) {
		mmio_write32(dist + GICD_IPRIORITYR + i,
		             PRIORITY * 0x01010101u);
		if (version == 2)
			mmio_write32(dist + GICD_ITARGETSR + i, 0x01010101u);
	}
	if (version == 3) {
		for (unsigned i = 32; i < lines; i++) {
			mmio_write32(dist + GICD_IROUTER + 8 * i, 0);
			mmio_write32(dist + GICD_IROUTER + 8 * i + 4, 0);
		}
		mmio_write32(dist + GICD_CTLR, GICD_CTLR_V3);
		v3_wait_rwp();
		/* Wake this CPU's redistributor. */
		uint64_t rd = c;
		sgi = rd + GICR_SGI;
		mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) &
		                                      ~WAKER_PROCESSOR_SLEEP);
		for (unsigned i = 0; i < 1000000; i++)
			if (!(mmio_read32(rd + GICR_WAKER) &
			      WAKER_CHILDREN_ASLEEP))
				break;
		mmio_write32(sgi + GICD_ICENABLER, 0xffffffffu);
		mmio_write32(sgi + GICD_IGROUPR, 0xffffffffu);
		for (unsigned i = 0; i < 32; i += 4)
			mmio_write32(sgi + GICD_IPRIORITYR + i,
			             PRIORITY * 0x01010101u);
		/* The CPU interface: system registers. */
		write_sysreg(S3_0_C12_C12_5, read_sysreg(S3_0_C12_C12_5) | 1);
		isb();
		write_sysreg(S3_0_C4_C6_0, 0xff); /* ICC_PMR_EL1 */
		write_sysreg(S3_0_C12_C12_3, 0);  /* ICC_BPR1_EL1 */
		write_sysreg(S3_0_C12_C12_7, 1);  /* ICC_IGRPEN1_EL1 */
		isb();
	} else {
		cpu = c;
		mmio_write32(dist + GICD_ICENABLER, 0xffffffffu);
		for (unsigned i = 0; i < 32; i += 4)
			mmio_write32(dist + GICD_IPRIORITYR + i,
			             PRIORITY * 0x01010101u);
		mmio_write32(dist + GICD_CTLR, 1);
		mmio_write32(cpu + GICC_PMR, 0xff);
		mmio_write32(cpu + GICC_CTLR, 1);
	}
}

/* The register (enable or disable set) and bit of intid. */
static void set_bit(uint32_t intid, unsigned reg)
{
	if (intid >= lines)
		return;
	uint64_t base = version == 3 && intid < 32 ? sgi : dist;
	mmio_write32(base + reg + intid / 32 * 4, 1u << (intid % 32));
}

void gic_enable(uint32_t intid)
{
	set_bit(intid, GICD_ISENABLER);
}

void gic_disable(uint32_t intid)
{
	set_bit(intid, GICD_ICENABLER);
}

uint32_t gic_ack(void)
{
	if (version == 3)
		return (uint32_t)read_sysreg(S3_0_C12_C12_0) & 0xffffff;
	return mmio_read32(cpu + GICC_IAR) & 0x3ff;
}

void gic_eoi(uint32_t intid)
{
	if (version == 3) {
		write_sysreg(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
		isb();
	} else {
		mmio_write32(cpu + GICC_EOIR, intid);
	}
}
