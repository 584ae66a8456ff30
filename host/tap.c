/*
 * host/tap.c - opening a Linux tap device.
 */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int tap_open(const char *ifname, short flags, char *err, size_t errlen)
{
	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "tap %s: name too long", ifname);
		return -1;
	}
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "tap %s: cannot open /dev/net/tun: %s",
		         ifname, strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | flags);
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "tap %s: cannot attach: %s", ifname,
		         strerror(errno));
		close(fd);
		return -1;
	}
	/* Offloads set on the device by an earlier user outlive it (a
	 * persistent tap): start with none, so that a reader without vnet
	 * headers never gets frames with a partial checksum. */
	ioctl(fd, TUNSETOFFLOAD, 0UL);
	return fd;
}

int host_tap_open(const char *ifname, char *err, size_t errlen)
{
	return tap_open(ifname, 0, err, errlen);
}

int host_tap_open_vnet(const char *ifname, char *err, size_t errlen)
{
	int fd = tap_open(ifname, IFF_VNET_HDR, err, errlen);
	if (fd < 0)
		return -1;
	int size = HOST_TAP_VNET_HDR_LEN;
	if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0) {
		snprintf(err, errlen, "tap %s: cannot set the header size: %s",
		         ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int host_tap_set_offload(int fd, bool csum, bool tso4)
{
	unsigned long flags = 0;
	if (csum)
		flags |= TUN_F_CSUM;
	if (csum && tso4)
		flags |= TUN_F_TSO4;
	return ioctl(fd, TUNSETOFFLOAD, flags) < 0 ? -1 : 0;
}
