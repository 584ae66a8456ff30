/*
 * devices.c - the devices of the host options, opened at start, and their
 * handles.
 */
#include "unix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../host/tap.h"

struct unix_device unix_devices[UNIX_MAX_DEVICES];
unsigned unix_n_devices;
struct unix_device *unix_by_handle[PLATFORM_MAX_DEVICES];
unsigned unix_n_handles;

static _Noreturn void fail(const char *msg)
{
	unix_say("kiln: %s", msg);
	exit(1);
}

void unix_devices_open(const struct host_options *o)
{
	char err[256];
	for (unsigned i = 0; i < o->n_net; i++) {
		struct unix_device *d = &unix_devices[unix_n_devices++];
		snprintf(d->name, sizeof(d->name), "net%u", i);
		d->fd = -1;
		if (o->net[i].kind == HOST_NET_TAP) {
			d->kind = UNIX_NET_TAP;
			/* With offload metadata where the kernel has it. */
			d->fd = host_tap_open_vnet(o->net[i].ifname, err,
			                           sizeof(err));
			d->vnet = d->fd >= 0;
			if (d->fd < 0)
				d->fd = host_tap_open(o->net[i].ifname, err,
				                      sizeof(err));
			if (d->fd < 0)
				fail(err);
		} else {
			d->kind = UNIX_NET_USER;
			d->usernet =
			        host_usernet_new(&o->net[i], err, sizeof(err));
			if (d->usernet == NULL)
				fail(err);
			d->txq = calloc(1, sizeof(*d->txq));
			if (d->txq == NULL)
				fail("usernet: out of memory");
		}
	}
	for (unsigned i = 0; i < o->n_block; i++) {
		struct unix_device *d = &unix_devices[unix_n_devices++];
		const char *path = o->block[i].path;
		snprintf(d->name, sizeof(d->name), "blk%u", i);
		d->kind = UNIX_BLOCK;
		d->fd = open(path, O_RDWR | O_CLOEXEC);
		struct stat st;
		if (d->fd < 0 || fstat(d->fd, &st) < 0) {
			snprintf(err, sizeof(err), "--block file=%s: %s", path,
			         strerror(errno));
			fail(err);
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, sizeof(err),
			         "--block file=%s: not a regular file", path);
			fail(err);
		}
		d->capacity = (uint64_t)st.st_size & ~(uint64_t)511;
		if (d->capacity == 0) {
			snprintf(err, sizeof(err),
			         "--block file=%s: smaller than one 512-byte "
			         "sector",
			         path);
			fail(err);
		}
	}
}

void unix_devices_report(void)
{
	for (unsigned i = 0; i < unix_n_devices; i++) {
		struct unix_device *d = &unix_devices[i];
		if (d->kind != UNIX_NET_USER)
			continue;
		uint64_t refused = host_usernet_refused(d->usernet);
		uint64_t drops = host_usernet_drops(d->usernet);
		if (refused || drops || d->txq->full)
			unix_say("kiln: %s: user-mode networking refused %llu "
			         "frames from the guest, dropped %llu to it; "
			         "%llu writes met a full queue",
			         d->name, (unsigned long long)refused,
			         (unsigned long long)drops,
			         (unsigned long long)d->txq->full);
	}
}

platform_handle unix_handle_assign(struct unix_device *d)
{
	d->acquired = true;
	d->handle = unix_n_handles++;
	unix_by_handle[d->handle] = d;
	return d->handle;
}

struct unix_device *unix_device_get(platform_handle h, bool net)
{
	if (h >= unix_n_handles)
		return NULL;
	struct unix_device *d = unix_by_handle[h];
	if (net != (d->kind != UNIX_BLOCK))
		return NULL;
	return d;
}

/* Find the configured, not yet acquired device called name. */
static struct unix_device *find(const char *name, bool net,
                                enum platform_result *r)
{
	for (unsigned i = 0; i < unix_n_devices; i++) {
		struct unix_device *d = &unix_devices[i];
		if (strcmp(d->name, name) != 0)
			continue;
		if (net != (d->kind != UNIX_BLOCK))
			break;
		if (d->acquired) {
			*r = PLATFORM_EINVAL;
			return NULL;
		}
		return d;
	}
	*r = PLATFORM_ENOENT;
	return NULL;
}

enum platform_result platform_net_acquire(const char *name, platform_handle *h,
                                          struct platform_net_info *info)
{
	enum platform_result r;
	struct unix_device *d = find(name, true, &r);
	if (d == NULL)
		return r;
	/* A locally administered MAC, different per device. */
	static const uint8_t mac[6] = {0x02, 0x6b, 0x69, 0x6c, 0x6e, 0x00};
	for (int i = 0; i < 6; i++)
		info->mac[i] = mac[i];
	info->mac[5] = (uint8_t)(d - unix_devices);
	info->mtu = HOST_USERNET_MTU;
	/* A tap with IFF_VNET_HDR does all four, and frames in pieces
	 * (writev); libslirp none (it takes and gives plain frames of at
	 * most the MTU). */
	info->offloads = d->vnet ? PLATFORM_NET_OFF_TX_CSUM |
	                                   PLATFORM_NET_OFF_TX_TSO4 |
	                                   PLATFORM_NET_OFF_RX_CSUM |
	                                   PLATFORM_NET_OFF_RX_TSO4 |
	                                   PLATFORM_NET_OFF_TX_SG
	                         : 0;
	*h = unix_handle_assign(d);
	return PLATFORM_OK;
}

enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info)
{
	enum platform_result r;
	struct unix_device *d = find(name, false, &r);
	if (d == NULL)
		return r;
	info->capacity = d->capacity;
	info->sector_size = 512;
	*h = unix_handle_assign(d);
	return PLATFORM_OK;
}
