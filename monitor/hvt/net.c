/*
 * monitor/hvt/net.c - network devices and the guest's wait.
 *
 * --net tap,ifname=NAME attaches net<n> to a tap interface; --net user[,...]
 * to user-mode networking (libslirp through host/usernet.c). usernet.c
 * loads libslirp on demand.
 *
 * Frames move in one of two ways. A device acquired with a frame area
 * (struct hvt_net_area: a ring each way, netring.c) has its frames moved
 * by the yield: the monitor sends the ring's queued frames, waits, and
 * fills the receive ring with what arrived, so a busy guest exits about
 * once per loop turn. On a tap, the I/O thread (netio.c) also moves them
 * while the guest runs (hvt_net_serve, under the device's lock), so a
 * busy guest need not exit at all. Without an area, HVT_CALL_NET_READ/
 * WRITE move a batch of up to HVT_BATCH_MAX frames per exit, without
 * offloads.
 *
 * A tap is opened with vnet headers where the kernel has them: its frames
 * then carry checksum and segmentation metadata (platform_net_meta), the
 * offloads the guest may turn on with HVT_CALL_NET_OFFLOAD. The yield waits
 * here, in ppoll(), on the tap descriptors and slirp's sockets, with slirp's
 * timers folded into the timeout; it skips the wait when frames are already
 * there.
 */
#include "hvt.h"
#include "netring.h"

#include "../../host/stop.h"
#include "../../host/tap.h"
#include "../../host/usernet.h"

#include <kiln/platform.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX (HOST_USERNET_MTU + 14)
#define ALL_OFFLOADS                                                           \
	(PLATFORM_NET_OFF_TX_CSUM | PLATFORM_NET_OFF_TX_TSO4 |                 \
	 PLATFORM_NET_OFF_RX_CSUM | PLATFORM_NET_OFF_RX_TSO4)

static struct host_pollset pollset;

int hvt_net_add(struct hvt *h, const struct host_net_opt *opt)
{
	struct hvt_net *n = &h->net[h->nnet];
	char err[160];
	n->fd = -1;
	if (opt->kind == HOST_NET_TAP) {
		/* With offload metadata where the kernel has it. */
		n->fd = host_tap_open_vnet(opt->ifname, err, sizeof(err));
		n->vnet = n->fd >= 0;
		if (n->fd < 0)
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
	pthread_mutex_init(&n->lock, NULL);
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
			area->tx.prod = area->tx.cons = 0;
			area->rx.prod = area->rx.cons = 0;
		}
		/* A tap's area is served by the I/O thread. */
		bool served = area && !n->user && hvt_netio_running();
		pthread_mutex_lock(&n->lock);
		if (area) {
			area->tx.attn = area->tx.idle = 0;
			area->rx.attn = area->rx.idle = 0;
		}
		n->area = area;
		n->tx_cons = n->rx_prod = 0;
		n->offloads = 0;
		/* (The tap starts with its offloads off: host/tap.c.) */
		n->offloads_can = area && n->vnet ? ALL_OFFLOADS : 0;
		a.offloads = n->offloads_can;
		a.features = served ? HVT_NET_F_SERVED : 0;
		n->rx_more = n->tx_congested = false;
		n->acquired = true;
		__atomic_store_n(&n->served, served, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&n->lock);
		if (served)
			hvt_netio_kick();
		memcpy(a.mac, n->mac, 6);
		a.mtu = n->mtu;
		a.handle = HVT_NET_HANDLE(i);
		a.result = HVT_OK;
	}
	hvt_put_arg(h, arg, &a, sizeof(a));
}

/* Receive one frame of at most size bytes into p, its metadata (when the
 * tap has some) into *vh: its length, 0 when none is waiting, -1 when it
 * was too large (dropped), -2 on a host error. */
static long receive(struct hvt_net *n, uint8_t *p, uint64_t size,
                    struct host_tap_vnet_hdr *vh)
{
	/* One read straight into the guest's buffer; the spill catches
	 * the rest of a frame that does not fit, which is then dropped
	 * (a tap read truncates silently otherwise). */
	static uint8_t spill[65536];
	memset(vh, 0, sizeof(*vh));
	if (n->user)
		return hvt_usernet_recv(n->user, p, (size_t)size);
	struct iovec iov[3] = {{vh, HOST_TAP_VNET_HDR_LEN},
	                       {p, (size_t)size},
	                       {spill, sizeof(spill)}};
	size_t hdr = n->vnet ? HOST_TAP_VNET_HDR_LEN : 0;
	for (;;) {
		ssize_t r = n->vnet ? readv(n->fd, iov, 3)
		                    : readv(n->fd, iov + 1, 2);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -2;
		if ((uint64_t)r > size + hdr || (size_t)r < hdr)
			return -1;
		return (long)((size_t)r - hdr);
	}
}

/* Send one frame with metadata vh (NULL: none): 1 when taken, 0 when the
 * host is congested, -2 on an error. */
static int transmit(struct hvt_net *n, const uint8_t *p, uint64_t len,
                    const struct host_tap_vnet_hdr *vh)
{
	static const struct host_tap_vnet_hdr none;
	if (n->user) {
		hvt_usernet_send(n->user, p, (size_t)len);
		return 1;
	}
	struct iovec iov[2] = {
	        {(void *)(uintptr_t)(vh ? vh : &none), HOST_TAP_VNET_HDR_LEN},
	        {(void *)(uintptr_t)p, (size_t)len}};
	for (;;) {
		ssize_t r = n->vnet ? writev(n->fd, iov, 2)
		                    : write(n->fd, p, (size_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -2;
		return 1;
	}
}

/* ------------------------------------------------------------ frame rings */

/* A guest that broke its ring's rules: reported as a fault, the guest
 * ends (exit 255). */
static _Noreturn void ring_fault(struct hvt *h, struct hvt_net *n,
                                 const char *ring, const char *why)
{
	char what[256];
	snprintf(what, sizeof(what), "%s: %s ring: %s", n->name, ring, why);
	hvt_report_vcpu(h, what);
}

static const char RING_TX[] = "transmit", RING_RX[] = "receive";

static uint32_t tx_frame_max(const struct hvt_net *n)
{
	return n->offloads & PLATFORM_NET_OFF_TX_TSO4 ? HVT_NET_FRAME_MAX
	                                              : (uint32_t)n->mtu + 14;
}

static uint32_t rx_frame_max(const struct hvt_net *n)
{
	return n->offloads & PLATFORM_NET_OFF_RX_TSO4 ? HVT_NET_FRAME_MAX
	                                              : (uint32_t)n->mtu + 14;
}

/* Send the frames queued in n's transmit ring, in order. Frames the host
 * is too congested to take stay for the next time. Returns the frames
 * taken, or -1 when the guest broke the ring (why says how). */
static int area_transmit(struct hvt *h, struct hvt_net *n, char *why,
                         size_t whylen)
{
	struct hvt_net_ring *r = &n->area->tx;
	uint32_t max = tx_frame_max(n), cons = n->tx_cons;
	int moved = 0;
	n->tx_congested = false;
	for (;;) {
		struct hvt_net_rec rec;
		const uint8_t *frame;
		int k = hvt_netring_next(r, &cons, max, &rec, &frame, why,
		                         whylen);
		if (k < 0) {
			moved = -1;
			break;
		}
		if (k == 0)
			break;
		const char *bad = hvt_netring_tx_meta(&rec, n->offloads,
		                                      (uint32_t)n->mtu + 14);
		if (bad) {
			hvt_guest_error(h, "%s: transmit frame of %u bytes: %s",
			                n->name, rec.len, bad);
			HVT_STAT_ADD(h, bad_frames, 1);
			hvt_netring_consumed(r, &cons, rec.len);
			moved++;
			continue;
		}
		struct host_tap_vnet_hdr vh = {0};
		if (rec.flags) {
			vh.flags = rec.flags;
			vh.csum_start = rec.csum_start;
			vh.csum_offset = rec.csum_offset;
		}
		if (rec.gso_type) {
			vh.gso_type = rec.gso_type;
			vh.hdr_len = rec.hdr_len;
			vh.gso_size = rec.gso_size;
		}
		int t = transmit(n, frame, rec.len, &vh);
		if (t == 0) {
			/* congested: the rest waits for the next time */
			n->tx_congested = true;
			break;
		}
		if (t > 0)
			HVT_STAT_ADD(h, tx_frames, 1);
		else
			HVT_STAT_ADD(h, tx_dropped, 1);
		hvt_netring_consumed(r, &cons, rec.len);
		moved++;
	}
	__atomic_store_n(&n->tx_cons, cons, __ATOMIC_RELEASE);
	return moved;
}

/* Fill n's receive ring with the frames waiting on the device. Returns
 * the frames added, or -1 when the guest broke the ring. */
static int area_fill(struct hvt *h, struct hvt_net *n, char *why, size_t whylen)
{
	struct hvt_net_ring *r = &n->area->rx;
	uint32_t max = rx_frame_max(n), prod = n->rx_prod;
	int added = 0;
	n->rx_more = false;
	for (;;) {
		uint8_t *frame;
		int k = hvt_netring_reserve(r, &prod, max, &frame, why, whylen);
		if (k < 0) {
			added = -1;
			break;
		}
		if (k == 0) {
			n->rx_more = true; /* full: more may be waiting */
			break;
		}
		struct host_tap_vnet_hdr vh;
		long got = receive(n, frame, max, &vh);
		if (got == 0 || got == -2)
			break; /* drained (or a host error: try next time) */
		if (got < 0) {
			HVT_STAT_ADD(h, rx_dropped,
			             1); /* longer than the limit */
			continue;
		}
		struct hvt_net_rec rec = {.len = (uint32_t)got};
		if (n->offloads & PLATFORM_NET_OFF_RX_CSUM) {
			/* Passed on as the host wrote it: the guest's
			 * stack checks it against the frame. */
			rec.flags = vh.flags;
			rec.gso_type = vh.gso_type;
			rec.hdr_len = vh.hdr_len;
			rec.gso_size = vh.gso_size;
			rec.csum_start = vh.csum_start;
			rec.csum_offset = vh.csum_offset;
		}
		hvt_netring_commit(r, &prod, &rec);
		HVT_STAT_ADD(h, rx_frames, 1);
		added++;
	}
	__atomic_store_n(&n->rx_prod, prod, __ATOMIC_RELEASE);
	return added;
}

/* Unread frames in the receive ring. (For a served area, from the vCPU
 * thread: rx_prod is the I/O thread's, read atomically.) */
static bool area_unread(const struct hvt_net *n)
{
	return __atomic_load_n(&n->area->rx.cons, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&n->rx_prod, __ATOMIC_ACQUIRE);
}

/* The vCPU thread's fill of an area (in the yield, under the lock when
 * the I/O thread serves it too): true when the ring then holds unread
 * frames. */
static bool area_receive(struct hvt *h, struct hvt_net *n)
{
	char why[160];
	bool served = __atomic_load_n(&n->served, __ATOMIC_ACQUIRE);
	if (served)
		pthread_mutex_lock(&n->lock);
	int k = area_fill(h, n, why, sizeof(why));
	if (served)
		pthread_mutex_unlock(&n->lock);
	if (k < 0)
		ring_fault(h, n, RING_RX, why);
	return area_unread(n);
}

/* The vCPU thread sends n's queued frames (the yield, a flush, the
 * exit), under the lock when the I/O thread serves n too. */
static void area_send(struct hvt *h, struct hvt_net *n)
{
	char why[160];
	bool served = __atomic_load_n(&n->served, __ATOMIC_ACQUIRE);
	if (served)
		pthread_mutex_lock(&n->lock);
	int k = area_transmit(h, n, why, sizeof(why));
	if (served)
		pthread_mutex_unlock(&n->lock);
	if (k < 0)
		ring_fault(h, n, RING_TX, why);
}

unsigned hvt_net_serve(struct hvt *h, struct hvt_net *n, const char **ring,
                       char *why, size_t whylen)
{
	int t = area_transmit(h, n, why, whylen);
	if (t < 0) {
		*ring = RING_TX;
		return 0;
	}
	int r = area_fill(h, n, why, whylen);
	if (r < 0) {
		*ring = RING_RX;
		return 0;
	}
	return (unsigned)t + (unsigned)r;
}

void hvt_net_flush_all(struct hvt *h)
{
	for (unsigned i = 0; i < h->nnet; i++)
		if (h->net[i].area)
			area_send(h, &h->net[i]);
}

/* Wait until timeout_ns passes or an acquired device has input; return
 * the set of ready device handles. Frame areas are sent before the wait
 * and filled after it, by this thread also where the I/O thread serves
 * them while the guest runs (it stands aside while the vCPU waits, and
 * is woken on the way back). */
uint64_t hvt_net_wait(struct hvt *h, int64_t timeout_ns)
{
	int poll_index[HVT_MAX_NET];
	bool any = false, pending = false, user = false;
	uint64_t ready = 0;

	bool io = hvt_netio_running();
	if (io)
		hvt_netio_wait_begin();
	hvt_net_flush_all(h);
	hvt_vchan_flush(h); /* the guest's doorbells */
	if (host_stop_requested()) {
		ready = HVT_READY_STOP;
		goto out;
	}
	/* Frames already there (unread, or more behind a full area) make
	 * the wait a poll; with taps alone it is skipped altogether. */
	for (unsigned i = 0; i < h->nnet; i++) {
		struct hvt_net *n = &h->net[i];
		user |= n->user != NULL;
		if (!n->area)
			continue;
		__atomic_store_n(&n->area->rx.attn, 0, __ATOMIC_RELAXED);
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
			goto out;
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
	if (io)
		hvt_netio_check(h); /* a ring fault the thread found */
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
out:
	if (io)
		hvt_netio_wait_end();
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
		area_send(h, &h->net[i]);
		/* A served ring: the guest found the I/O thread asleep (or
		 * the ring full); the thread polls again from now. */
		if (__atomic_load_n(&h->net[i].served, __ATOMIC_ACQUIRE))
			hvt_netio_kick();
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
			struct host_tap_vnet_hdr vh;
			long r = receive(n, p, len, &vh);
			if (r == 0)
				break;
			if (r > 0)
				f->len = (uint64_t)r;
			else
				err = r == -1 ? HVT_EINVAL : HVT_EUNSPEC;
		} else if (!err) {
			int r = transmit(n, p, len, NULL);
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

static void offload(struct hvt *h, uint32_t arg)
{
	struct hvt_net_offload o;
	if (!hvt_get_arg(h, HVT_CALL_NET_OFFLOAD, arg, &o, sizeof(o)))
		return;
	unsigned i = o.handle - HVT_NET_HANDLE(0);
	struct hvt_net *n =
	        o.handle < HVT_NET_HANDLE(0) + h->nnet && h->net[i].acquired
	                ? &h->net[i]
	                : NULL;
	uint32_t w = o.want;
	o.result = HVT_OK;
	if (n)
		pthread_mutex_lock(&n->lock);
	if (!n || (w & ~n->offloads_can) ||
	    ((w & PLATFORM_NET_OFF_TX_TSO4) &&
	     !(w & PLATFORM_NET_OFF_TX_CSUM)) ||
	    ((w & PLATFORM_NET_OFF_RX_TSO4) && !(w & PLATFORM_NET_OFF_RX_CSUM)))
		o.result = HVT_EINVAL;
	else if (n->vnet &&
	         host_tap_set_offload(n->fd, w & PLATFORM_NET_OFF_RX_CSUM,
	                              w & PLATFORM_NET_OFF_RX_TSO4) < 0)
		o.result = HVT_EUNSPEC;
	else
		n->offloads = w;
	if (n)
		pthread_mutex_unlock(&n->lock);
	hvt_put_arg(h, arg, &o, sizeof(o));
}

void hvt_net_call(struct hvt *h, unsigned nr, uint32_t arg)
{
	if (nr == HVT_CALL_NET_OFFLOAD) {
		offload(h, arg);
		return;
	}
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
	    h->net[i].served || b.count > HVT_BATCH_MAX) {
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

void hvt_net_interrupted(struct hvt *h)
{
	hvt_netio_check(h);
	/* A stop request while the guest runs without exiting: ask its
	 * next yield to exit, which then reports the stop. */
	if (host_stop_requested())
		for (unsigned i = 0; i < h->nnet; i++)
			if (h->net[i].area && __atomic_load_n(&h->net[i].served,
			                                      __ATOMIC_ACQUIRE))
				__atomic_store_n(&h->net[i].area->rx.attn, 1,
				                 __ATOMIC_RELEASE);
}
