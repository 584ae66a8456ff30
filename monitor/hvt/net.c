/*
 * monitor/hvt/net.c - network devices and the guest's wait.
 *
 * --net tap,ifname=NAME attaches net<n> to a tap interface; --net user[,...]
 * to user-mode networking (libslirp through host/usernet.c). Frames move
 * a whole batch per guest exit (HVT_CALL_NET_READ/WRITE carry up to
 * HVT_BATCH_MAX). usernet.c loads libslirp on demand. The yield hypercall waits
 * here, in ppoll(), on the tap descriptors and slirp's sockets, with slirp's
 * timers folded into the timeout.
 */
#include "hvt.h"

#include "../../host/tap.h"
#include "../../host/usernet.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX (HOST_USERNET_MTU + 14)

static struct host_pollset pollset;

int hvt_net_add(struct hvt *h, const struct host_net_opt *opt)
{
	struct hvt_net *n = &h->net[h->nnet];
	char err[160];
	n->fd = -1;
	if (opt->kind == HOST_NET_TAP) {
		n->fd = host_tap_open(opt->ifname, err, sizeof(err));
		if (n->fd < 0) {
			fprintf(stderr, "kiln-hvt: --net tap,ifname=%s: %s\n",
			        opt->ifname, err);
			return -1;
		}
	} else {
		n->user = hvt_usernet_new(opt, err, sizeof(err));
		if (!n->user) {
			fprintf(stderr, "kiln-hvt: --net user: %s\n", err);
			return -1;
		}
		h->usernet = true;
	}
	/* A locally administered unicast MAC, different on every run. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	srandom((unsigned)(ts.tv_nsec ^ getpid() ^ h->nnet));
	n->mac[0] = 0x02;
	for (int i = 1; i < 6; i++)
		n->mac[i] = (uint8_t)random();
	n->mtu = HOST_USERNET_MTU;
	snprintf(n->name, sizeof(n->name), "net%u", h->nnet);
	h->nnet++;
	/* Grow the poll set now: after seccomp, allocation is best avoided. */
	for (int i = 0; i < 64; i++)
		host_pollset_add(&pollset, -1, 0);
	host_pollset_clear(&pollset);
	return 0;
}

/* Wait until timeout_ns passes or an acquired device has input; return
 * the set of ready device handles. */
uint64_t hvt_net_wait(struct hvt *h, int64_t timeout_ns)
{
	int tap_index[HVT_MAX_NET];
	bool any = false;
	host_pollset_clear(&pollset);
	for (unsigned i = 0; i < h->nnet; i++) {
		struct hvt_net *n = &h->net[i];
		tap_index[i] = -1;
		if (n->user) {
			/* slirp needs its sockets and timers served even for
			 * a device the guest has not acquired. */
			hvt_usernet_poll_fill(n->user, &pollset, &timeout_ns);
			if (n->acquired && hvt_usernet_pending(n->user))
				timeout_ns = 0;
			any = true;
		} else if (n->acquired) {
			tap_index[i] =
			        host_pollset_add(&pollset, n->fd, POLLIN);
			any = true;
		}
	}
	if (!any && timeout_ns == INT64_MAX) {
		fprintf(stderr, "kiln-hvt: guest waits forever: no deadline "
		                "and no device to wake it\n");
		hvt_exit(h, 255);
	}
	struct timespec ts = {0, 0}, *tsp = &ts;
	if (timeout_ns < 0 || timeout_ns == INT64_MAX)
		tsp = NULL; /* -1 from slirp, or NEVER: no timeout */
	else {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
	}
	int r = ppoll(pollset.fds, pollset.n, tsp, NULL);
	uint64_t ready = 0;
	for (unsigned i = 0; i < h->nnet; i++) {
		struct hvt_net *n = &h->net[i];
		if (n->user) {
			hvt_usernet_poll_done(n->user, &pollset, r);
			if (n->acquired && hvt_usernet_pending(n->user))
				ready |= 1ull << HVT_NET_HANDLE(i);
		} else if (tap_index[i] >= 0 && r > 0 &&
		           (pollset.fds[tap_index[i]].revents & POLLIN)) {
			ready |= 1ull << HVT_NET_HANDLE(i);
		}
	}
	return ready;
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

/* Receive one frame of at most size bytes into p: its length, 0 when none
 * is waiting, -1 when it was too large (dropped), -2 on a host error. */
static long receive(struct hvt_net *n, uint8_t *p, uint64_t size)
{
	static uint8_t buf[65536];
	if (n->user)
		return hvt_usernet_recv(n->user, p, (size_t)size);
	for (;;) {
		ssize_t r = read(n->fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -2;
		if ((uint64_t)r > size)
			return -1;
		memcpy(p, buf, (size_t)r);
		return r;
	}
}

/* Send one frame: 1 when taken, 0 when the host is congested, -2 on an
 * error. */
static int transmit(struct hvt_net *n, const uint8_t *p, uint64_t len)
{
	if (n->user) {
		hvt_usernet_send(n->user, p, (size_t)len);
		return 1;
	}
	for (;;) {
		ssize_t r = write(n->fd, p, (size_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -2;
		return 1;
	}
}

/* Move frames between the device and the guest's buffers; returns how
 * many, or a negated HVT_ error when the first one failed. */
static int batch(struct hvt *h, unsigned nr, struct hvt_net *n,
                 struct hvt_frame *fr, unsigned count)
{
	bool rd = nr == HVT_CALL_NET_READ;
	unsigned done;
	for (done = 0; done < count; done++) {
		struct hvt_frame *f = &fr[done];
		uint64_t len = rd ? f->size : f->len;
		int err = 0;
		if (!rd && (len == 0 || len > FRAME_MAX))
			err = HVT_EINVAL;
		uint8_t *p = err ? NULL : hvt_guest_ptr(h, f->data, len, rd);
		if (!err && !p) {
			hvt_guest_error(h, "%s: bad frame buffer 0x%llx+%llu",
			                hvt_call_names[nr],
			                (unsigned long long)f->data,
			                (unsigned long long)len);
			err = HVT_EINVAL;
		}
		if (!err && rd) {
			long r = receive(n, p, len);
			if (r == 0)
				break;
			if (r > 0)
				f->len = (uint64_t)r;
			else
				err = r == -1 ? HVT_EINVAL : HVT_EUNSPEC;
		} else if (!err) {
			int r = transmit(n, p, len);
			if (r == 0)
				break;
			if (r < 0)
				err = HVT_EUNSPEC;
		}
		if (err)
			return done ? (int)done : -err;
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
