/*
 * monitor/hvt/net.c - network devices and the guest's wait.
 *
 * --net tap,ifname=NAME attaches net<n> to a tap interface; --net user[,...]
 * to user-mode networking (libslirp through host/usernet.c). usernet.c
 * loads libslirp on demand.
 *
 * Frames move in one of two ways. A device acquired with a frame area
 * (struct hvt_net_area) has its frames moved by the yield: the monitor
 * sends the area's queued frames, waits, and fills the area with what
 * arrived, so a busy guest exits about once per loop turn. Without an
 * area, HVT_CALL_NET_READ/WRITE move a batch of up to HVT_BATCH_MAX
 * frames per exit. The yield waits here, in ppoll(), on the tap
 * descriptors and slirp's sockets, with slirp's timers folded into the
 * timeout; it skips the wait when frames are already there.
 */
#include "hvt.h"

#include "../../host/stop.h"
#include "../../host/tap.h"
#include "../../host/usernet.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX (HOST_USERNET_MTU + 14)
_Static_assert(FRAME_MAX <= HVT_NET_SLOT_SIZE, "a slot holds a frame");

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
	hvt_net_reserve();
	return 0;
}

void hvt_net_reserve(void)
{
	/* Grow the poll set now: after seccomp, allocation is best avoided. */
	for (int i = 0; i < 64; i++)
		host_pollset_add(&pollset, -1, 0);
	host_pollset_clear(&pollset);
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
		struct hvt_net_area *area = NULL;
		if (a.area &&
		    !(area = hvt_guest_ptr(h, a.area, sizeof(*area), true))) {
			hvt_guest_error(h, "net acquire: bad frame area 0x%llx",
			                (unsigned long long)a.area);
			a.result = HVT_EINVAL;
			break;
		}
		if (area) {
			area->tx_count = 0;
			area->rx_head = 0;
			area->rx_count = 0;
		}
		n->area = area;
		n->rx_more = false;
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
	/* One read straight into the guest's buffer; the spill catches
	 * the rest of a frame that does not fit, which is then dropped
	 * (a tap read truncates silently otherwise). */
	static uint8_t spill[65536];
	if (n->user)
		return hvt_usernet_recv(n->user, p, (size_t)size);
	struct iovec iov[2] = {{p, (size_t)size}, {spill, sizeof(spill)}};
	for (;;) {
		ssize_t r = readv(n->fd, iov, 2);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -2;
		if ((uint64_t)r > size)
			return -1;
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

/* ------------------------------------------------------------ frame areas */

/* Send the frames queued in n's transmit area, in order. Frames the host
 * is too congested to take stay, moved to the front of the area. */
static void area_transmit(struct hvt *h, struct hvt_net *n)
{
	struct hvt_net_area *a = n->area;
	uint32_t count = a->tx_count, i;
	if (count > HVT_NET_SLOTS) {
		hvt_guest_error(h, "%s: transmit area holds %u frames (of %u)",
		                n->name, count, HVT_NET_SLOTS);
		h->st.bad_frames += HVT_NET_SLOTS;
		a->tx_count = 0;
		return;
	}
	for (i = 0; i < count; i++) {
		uint32_t len = a->tx_len[i];
		if (len == 0 || len > FRAME_MAX) {
			hvt_guest_error(h, "%s: transmit frame of %u bytes",
			                n->name, len);
			h->st.bad_frames++;
			continue;
		}
		int r = transmit(n, a->tx[i], len);
		if (r == 0)
			break; /* congested: the rest waits for the next exit */
		if (r > 0)
			h->st.tx_frames++;
		else
			h->st.tx_dropped++;
	}
	if (i > 0 && i < count) {
		memmove(a->tx_len, a->tx_len + i,
		        (count - i) * sizeof(a->tx_len[0]));
		memmove(a->tx, a->tx + i, (count - i) * sizeof(a->tx[0]));
	}
	a->tx_count = count - i;
}

/* Fill n's receive area with the frames waiting on the device; true when
 * the area then holds unread frames. */
static bool area_receive(struct hvt *h, struct hvt_net *n)
{
	struct hvt_net_area *a = n->area;
	uint32_t head = a->rx_head, count = a->rx_count;
	if (count > HVT_NET_SLOTS || head > count) {
		hvt_guest_error(h, "%s: receive area at %u of %u frames",
		                n->name, head, count);
		head = count = 0;
	}
	if (head == count)
		head = count = 0; /* all read: start again at slot 0 */
	n->rx_more = false;
	while (count < HVT_NET_SLOTS) {
		long r = receive(n, a->rx[count], HVT_NET_SLOT_SIZE);
		if (r == 0 || r == -2)
			break; /* drained (or a host error: try next time) */
		if (r < 0) {
			h->st.rx_dropped++; /* longer than a slot */
			continue;
		}
		a->rx_len[count++] = (uint32_t)r;
		h->st.rx_frames++;
	}
	n->rx_more = count == HVT_NET_SLOTS;
	a->rx_head = head;
	a->rx_count = count;
	return head < count;
}

/* Unread frames, or a header area_receive must repair. */
static bool area_unread(const struct hvt_net *n)
{
	return n->area->rx_head != n->area->rx_count ||
	       n->area->rx_count > HVT_NET_SLOTS;
}

void hvt_net_flush_all(struct hvt *h)
{
	for (unsigned i = 0; i < h->nnet; i++)
		if (h->net[i].area)
			area_transmit(h, &h->net[i]);
}

/* Wait until timeout_ns passes or an acquired device has input; return
 * the set of ready device handles. Frame areas are sent before the wait
 * and filled after it. */
uint64_t hvt_net_wait(struct hvt *h, int64_t timeout_ns)
{
	int poll_index[HVT_MAX_NET];
	bool any = false, pending = false, user = false;
	uint64_t ready = 0;

	hvt_net_flush_all(h);
	hvt_vchan_flush(h); /* the guest's doorbells */
	if (host_stop_requested())
		return HVT_READY_STOP;
	/* Frames already there (unread, or more behind a full area) make
	 * the wait a poll; with taps alone it is skipped altogether. */
	for (unsigned i = 0; i < h->nnet; i++) {
		struct hvt_net *n = &h->net[i];
		user |= n->user != NULL;
		if (!n->area)
			continue;
		if ((area_unread(n) || n->rx_more) && area_receive(h, n)) {
			ready |= 1ull << HVT_NET_HANDLE(i);
			pending = true;
		}
	}
	if (pending) {
		timeout_ns = 0;
		/* (A poll all the same with vchan links, so that a busy
		 * network does not starve their doorbells.) */
		if (!user && !hvt_vchan_links()) {
			h->st.waits_skipped++;
			return ready;
		}
	}

	host_pollset_clear(&pollset);
	for (unsigned i = 0; i < h->nnet; i++) {
		struct hvt_net *n = &h->net[i];
		poll_index[i] = -1;
		if (n->user) {
			/* slirp needs its sockets and timers served even for
			 * a device the guest has not acquired. */
			hvt_usernet_poll_fill(n->user, &pollset, &timeout_ns);
			if (n->acquired && hvt_usernet_pending(n->user))
				timeout_ns = 0;
			any = true;
		} else if (n->acquired) {
			poll_index[i] =
			        host_pollset_add(&pollset, n->fd, POLLIN);
			any = true;
		}
	}
	/* The vchan links: a peer's doorbell, arrival or departure. */
	hvt_vchan_poll_fill(h, &pollset);
	any |= hvt_vchan_links();
	/* A wait of more than a million seconds (11.6 days) with nothing
	 * that could end it early is reported like an endless one. */
	if (!any && timeout_ns > 1000000 * (int64_t)1000000000) {
		fprintf(stderr, "kiln-hvt: guest waits forever: no deadline "
		                "and no device to wake it\n");
		hvt_exit(h, 255);
	}
	/* A stop request (host/stop.h) ends the wait at once. */
	if (host_stop_fd() >= 0)
		host_pollset_add(&pollset, host_stop_fd(), POLLIN);
	struct timespec ts = {0, 0}, *tsp = &ts;
	if (timeout_ns < 0 || timeout_ns == INT64_MAX)
		tsp = NULL; /* -1 from slirp, or NEVER: no timeout */
	else {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
	}
	h->st.waits++;
	int r = ppoll(pollset.fds, pollset.n, tsp, NULL);
	for (unsigned i = 0; i < h->nnet; i++) {
		struct hvt_net *n = &h->net[i];
		bool input;
		if (n->user) {
			hvt_usernet_poll_done(n->user, &pollset, r);
			input = n->acquired && hvt_usernet_pending(n->user);
		} else {
			input = poll_index[i] >= 0 && r > 0 &&
			        (pollset.fds[poll_index[i]].revents & POLLIN);
		}
		if (n->area && (input || area_unread(n)))
			input = area_receive(h, n);
		if (input)
			ready |= 1ull << HVT_NET_HANDLE(i);
	}
	ready |= hvt_vchan_poll_done(h, &pollset, r);
	if (host_stop_requested())
		ready |= HVT_READY_STOP;
	return ready;
}

static void flush(struct hvt *h, uint32_t arg)
{
	struct hvt_net_flush f;
	if (!hvt_get_arg(h, HVT_CALL_NET_FLUSH, arg, &f, sizeof(f)))
		return;
	unsigned i = f.handle - HVT_NET_HANDLE(0);
	f.result = HVT_EINVAL;
	if (f.handle < HVT_NET_HANDLE(0) + h->nnet && h->net[i].area) {
		area_transmit(h, &h->net[i]);
		f.result = HVT_OK;
	}
	hvt_put_arg(h, arg, &f, sizeof(f));
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
	if (nr == HVT_CALL_NET_FLUSH) {
		flush(h, arg);
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
