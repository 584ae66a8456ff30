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

int host_tap_open(const char *ifname, char *err, size_t errlen)
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "tap %s: cannot attach: %s", ifname,
		         strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
