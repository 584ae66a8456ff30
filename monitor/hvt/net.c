/*
 * monitor/hvt/net.c - network devices: tap interfaces.
 *
 * --net tap,ifname=NAME adds device net<n> on an existing tap interface.
 * Frames move with one read/write per frame, but a whole batch of them per
 * guest exit (HVT_CALL_NET_READ/WRITE carry up to HVT_BATCH_MAX frames).
 */
#include "hvt.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MTU 1500
#define FRAME_MAX (MTU + 14)

static int open_tap(const char *ifname)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int hvt_net_add(struct hvt *h, const char *spec)
{
	if (h->nnet == HVT_MAX_NET) {
		fprintf(stderr, "kiln-hvt: at most %d --net devices\n",
		        HVT_MAX_NET);
		return -1;
	}
	if (strncmp(spec, "tap,ifname=", 11) != 0 || spec[11] == 0 ||
	    strlen(spec + 11) >= IFNAMSIZ) {
		fprintf(stderr,
		        "kiln-hvt: --net %s: expected tap,ifname=NAME "
		        "(user-mode "
		        "networking is not available in kiln-hvt yet)\n",
		        spec);
		return -1;
	}
	struct hvt_net *n = &h->net[h->nnet];
	n->fd = open_tap(spec + 11);
	if (n->fd < 0) {
		fprintf(stderr, "kiln-hvt: --net %s: %s\n", spec,
		        strerror(errno));
		return -1;
	}
	/* A locally administered unicast MAC, different on every run. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	srandom((unsigned)(ts.tv_nsec ^ getpid()));
	n->mac[0] = 0x02;
	for (int i = 1; i < 6; i++)
		n->mac[i] = (uint8_t)random();
	n->mtu = MTU;
	snprintf(n->name, sizeof(n->name), "net%u", h->nnet);
	h->nnet++;
	return 0;
}

int hvt_net_pollfds(struct hvt *h, struct pollfd *fds, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < h->nnet && n < max; i++) {
		/* Only acquired devices wake the guest. */
		fds[n].fd = h->net[i].acquired ? h->net[i].fd : -1;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		n++;
	}
	return (int)n;
}

static void acquire(struct hvt *h, uint32_t arg)
{
	struct hvt_net_acquire a;
	char name[HVT_NAME_MAX];
	if (!hvt_get_arg(h, HVT_CALL_NET_ACQUIRE, arg, &a, sizeof(a)))
		return;
	a.result = HVT_ENOENT;
	if (!hvt_guest_name(h, a.name, name)) {
		hvt_guest_error(h, "net acquire: bad name pointer 0x%llx",
		                (unsigned long long)a.name);
		a.result = HVT_EINVAL;
	}
	for (unsigned i = 0; a.result == HVT_ENOENT && i < h->nnet; i++) {
		struct hvt_net *n = &h->net[i];
		if (strcmp(n->name, name) != 0)
			continue;
		if (n->acquired) {
			a.result = HVT_EINVAL;
			break;
		}
		n->acquired = true;
		memcpy(a.mac, n->mac, 6);
		a.mtu = n->mtu;
		a.handle = HVT_NET_HANDLE(i);
		a.result = HVT_OK;
	}
	hvt_put_arg(h, arg, &a, sizeof(a));
}

/* Move frames between the tap and the guest's buffers; returns how many,
 * or a negated HVT_ error. */
static int batch(struct hvt *h, unsigned nr, struct hvt_net *n,
                 struct hvt_frame *fr, unsigned count)
{
	static uint8_t buf[65536];
	bool rd = nr == HVT_CALL_NET_READ;
	unsigned done = 0;
	for (; done < count; done++) {
		struct hvt_frame *f = &fr[done];
		uint64_t len = rd ? f->size : f->len;
		if (!rd && (len == 0 || len > FRAME_MAX))
			return done ? (int)done : -HVT_EINVAL;
		uint8_t *p = hvt_guest_ptr(h, f->data, len, rd);
		if (!p) {
			hvt_guest_error(h, "%s: bad frame buffer 0x%llx+%llu",
			                hvt_call_names[nr],
			                (unsigned long long)f->data,
			                (unsigned long long)len);
			return done ? (int)done : -HVT_EINVAL;
		}
		ssize_t r = rd ? read(n->fd, buf, sizeof(buf))
		               : write(n->fd, p, (size_t)len);
		if (r < 0 && errno == EINTR) {
			done--;
			continue;
		}
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0)
			return done ? (int)done : -HVT_EUNSPEC;
		if (rd) {
			if ((uint64_t)r > f->size) /* dropped: too large */
				return done ? (int)done : -HVT_EINVAL;
			memcpy(p, buf, (size_t)r);
			f->len = (uint64_t)r;
		}
	}
	return (int)done;
}

void hvt_net_call(struct hvt *h, unsigned nr, uint32_t arg)
{
	if (nr == HVT_CALL_NET_ACQUIRE) {
		acquire(h, arg);
		return;
	}
	struct hvt_net_batch b;
	struct hvt_frame fr[HVT_BATCH_MAX];
	if (!hvt_get_arg(h, nr, arg, &b, sizeof(b)))
		return;
	b.done = 0;
	b.result = HVT_OK;
	unsigned i = b.handle - HVT_NET_HANDLE(0);
	void *fp = NULL;
	if (b.handle >= HVT_NET_HANDLE(0) + h->nnet || !h->net[i].acquired ||
	    b.count > HVT_BATCH_MAX) {
		b.result = HVT_EINVAL;
	} else if (!(fp = hvt_guest_ptr(h, b.frames,
	                                (uint64_t)b.count * sizeof(fr[0]),
	                                true))) {
		hvt_guest_error(h, "%s: bad frame array 0x%llx",
		                hvt_call_names[nr],
		                (unsigned long long)b.frames);
		b.result = HVT_EINVAL;
	} else {
		memcpy(fr, fp, b.count * sizeof(fr[0]));
		int r = batch(h, nr, &h->net[i], fr, b.count);
		if (r < 0) {
			b.result = (uint32_t)-r;
		} else {
			b.done = (uint32_t)r;
			memcpy(fp, fr, b.count * sizeof(fr[0]));
		}
	}
	hvt_put_arg(h, arg, &b, sizeof(b));
}
