/*
 * platform.c - platform_yield() and the network half of kiln/platform.h
 * on rpi3. The board has no network device Kiln can drive (the Pi 3's
 * Ethernet is a USB device, LAN9514, behind the DWC2 USB controller; QEMU
 * models neither usefully, and a USB stack is out of scope), so no
 * network device can be acquired; yield only sleeps.
 */
#include "clock.h"
#include "kernel.h"
#include <kiln/platform.h>

uint64_t yield_sleeps;

platform_device_set platform_yield(platform_time deadline)
{
	platform_time now = platform_clock_monotonic();
	if (deadline <= now)
		return 0;
	yield_sleeps++;
	supervisor_call(SYS_SLEEP,
	                deadline == PLATFORM_TIME_NEVER
	                        ? UINT64_MAX
	                        : clock_deadline_counter(deadline),
	                0);
	return 0;
}

enum platform_result platform_net_acquire(const char *name, platform_handle *h,
                                          struct platform_net_info *info)
{
	(void)name;
	(void)h;
	(void)info;
	return PLATFORM_ENOENT;
}

/* No offloads on this target (yet): only "all off" is accepted. */
enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	(void)h;
	return want ? PLATFORM_EINVAL : PLATFORM_OK;
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	(void)h;
	(void)buf;
	(void)size;
	(void)len;
	return PLATFORM_EINVAL;
}

enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len)
{
	(void)h;
	(void)buf;
	(void)len;
	return PLATFORM_EINVAL;
}

int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned n)
{
	(void)h;
	(void)frames;
	(void)n;
	return -PLATFORM_EINVAL;
}

int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames, unsigned n)
{
	(void)h;
	(void)frames;
	(void)n;
	return -PLATFORM_EINVAL;
}
