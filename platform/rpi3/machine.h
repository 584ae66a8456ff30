/*
 * machine.h - the rpi3 target's side of the shared aarch64 supervisor
 * (platform/aarch64/kernel.h): the board's fixed addresses and its
 * boot_info fields.
 *
 * BCM2837 peripherals are at 0x3F000000 as the ARM cores see them (0x7E...
 * on the VideoCore bus); the BCM2836 local interrupt controller is at
 * 0x40000000.
 */
#ifndef RPI3_MACHINE_H
#define RPI3_MACHINE_H

#include <stdint.h>

#define RPI3_PERIPHERALS 0x3f000000ull
#define RPI3_PM (RPI3_PERIPHERALS + 0x100000)   /* power management */
#define RPI3_RNG (RPI3_PERIPHERALS + 0x104000)  /* hardware RNG */
#define RPI3_GPIO (RPI3_PERIPHERALS + 0x200000) /* GPIO */
#define RPI3_UART (RPI3_PERIPHERALS + 0x201000) /* PL011 */
#define RPI3_EMMC (RPI3_PERIPHERALS + 0x300000) /* SDHCI (the SD card) */
#define RPI3_LOCAL 0x40000000ull                /* BCM2836 local control */

/* SYS_SLEEP (1): x0: virtual counter deadline (UINT64_MAX: none);
 * returns 0 (no device interrupts here). No calls of its own. */

/* boot_info's fields for this target: where the supervisor mapped the
 * devices EL0 drives. */
#define MACHINE_BOOT_INFO                                                      \
	uint64_t emmc;                                                         \
	uint64_t rng;

/* How many times platform_yield has asked the supervisor to sleep. */
extern uint64_t yield_sleeps;

#endif /* RPI3_MACHINE_H */
