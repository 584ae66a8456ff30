/*
 * net.c - frames over a tap file descriptor or user-mode networking.
 */
#include "unix.h"

#include "../../host/tap.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define FRAME_MAX (HOST_USERNET_MTU + 14)

/* One frame from a tap fd, after its vnet header when the tap has them
 * (into *vh). A frame longer than size is detected with a one-byte spill
 * buffer, dropped and reported as PLATFORM_EINVAL. */
static enum platform_result tap_read(const struct unix_device *d, void *buf,
                                     size_t size, size_t *len,
                                     struct host_tap_vnet_hdr *vh)
{
	char spill;
	struct host_tap_vnet_hdr scratch;
	struct iovec iov[3] = {{vh ? vh : &scratch, HOST_TAP_VNET_HDR_LEN},
	                       {buf, size},
	                       {&spill, 1}};
	struct iovec *v = d->vnet ? iov : iov + 1;
	size_t hdr = d->vnet ? HOST_TAP_VNET_HDR_LEN : 0;
	for (;;) {
		ssize_t n = readv(d->fd, v, d->vnet ? 3 : 2);
		if (n >= 0) {
			if ((size_t)n > size + hdr || (size_t)n < hdr)
				return PLATFORM_EINVAL;
			*len = (size_t)n - hdr;
			return PLATFORM_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return PLATFORM_AGAIN;
		return PLATFORM_EUNSPEC;
	}
}

/* One frame to a tap fd, with a vnet header made of meta if it has them;
 * the frame is buf, or the n_iov pieces at iov when there are any. */
static enum platform_result tap_write(const struct unix_device *d,
                                      const void *buf, size_t len,
                                      const struct platform_net_meta *meta,
                                      const struct platform_iov *pieces,
                                      unsigned n_pieces)
{
	struct host_tap_vnet_hdr vh = {0};
	if (meta) {
		vh.flags = meta->flags;
		vh.gso_type = meta->gso_type;
		vh.hdr_len = meta->hdr_len;
		vh.gso_size = meta->gso_size;
		vh.csum_start = meta->csum_start;
		vh.csum_offset = meta->csum_offset;
	}
	struct iovec iov[1 + PLATFORM_NET_IOV_MAX] = {
	        {&vh, HOST_TAP_VNET_HDR_LEN}, {(void *)(uintptr_t)buf, len}};
	int n_iov = 2;
	if (n_pieces) {
		for (unsigned i = 0; i < n_pieces; i++)
			iov[1 + i] = (struct iovec){
			        (void *)(uintptr_t)pieces[i].base,
			        pieces[i].len};
		n_iov = 1 + (int)n_pieces;
	}
	for (;;) {
		ssize_t n = d->vnet ? writev(d->fd, iov, n_iov)
		                    : write(d->fd, buf, len);
		if (n >= 0)
			return PLATFORM_OK;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return PLATFORM_AGAIN;
		/* E.g. EIO while the interface is down: the wire drops it;
		 * EINVAL: the kernel refused the header. */
		return errno == EIO || errno == EINVAL ? PLATFORM_OK
		                                       : PLATFORM_EUNSPEC;
	}
}

enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	struct unix_device *d = unix_device_get(h, true);
	if (d == NULL)
		return PLATFORM_EINVAL;
	if (want == 0 && !d->vnet)
		return PLATFORM_OK;
	const uint32_t all = PLATFORM_NET_OFF_TX_CSUM |
	                     PLATFORM_NET_OFF_TX_TSO4 |
	                     PLATFORM_NET_OFF_RX_CSUM |
	                     PLATFORM_NET_OFF_RX_TSO4 | PLATFORM_NET_OFF_TX_SG;
	if (d->kind != UNIX_NET_TAP || !d->vnet || (want & ~all) ||
	    ((want & PLATFORM_NET_OFF_TX_TSO4) &&
	     !(want & PLATFORM_NET_OFF_TX_CSUM)) ||
	    ((want & PLATFORM_NET_OFF_RX_TSO4) &&
	     !(want & PLATFORM_NET_OFF_RX_CSUM)))
		return PLATFORM_EINVAL;
	if (host_tap_set_offload(d->fd, want & PLATFORM_NET_OFF_RX_CSUM,
	                         want & PLATFORM_NET_OFF_RX_TSO4) < 0)
		return PLATFORM_EUNSPEC;
	d->offloads = want;
	return PLATFORM_OK;
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	struct unix_device *d = unix_device_get(h, true);
	if (d == NULL)
		return PLATFORM_EINVAL;
	if (d->kind == UNIX_NET_TAP)
		return tap_read(d, buf, size, len, NULL);
	long n = host_usernet_recv(d->usernet, buf, size);
	if (n == 0)
		return PLATFORM_AGAIN;
	if (n < 0)
		return PLATFORM_EINVAL;
	*len = (size_t)n;
	return PLATFORM_OK;
}

enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len)
{
	struct unix_device *d = unix_device_get(h, true);
	if (d == NULL || len > FRAME_MAX || len < 14)
		return PLATFORM_EINVAL;
	if (d->kind == UNIX_NET_USER) {
		/* Queued, not sent: this may run on a fiber's small stack. */
		struct unix_txq *q = d->txq;
		if (q->count == UNIX_TXQ_FRAMES) {
			q->full++;
			return PLATFORM_AGAIN;
		}
		unsigned i = (q->head + q->count) % UNIX_TXQ_FRAMES;
		memcpy(q->slot[i].data, buf, len);
		q->slot[i].len = (uint16_t)len;
		q->count++;
		return PLATFORM_OK;
	}
	return tap_write(d, buf, len, NULL, NULL, 0);
}

/* Frames too large for their buffer are skipped (dropped) in a batch. */
int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned n)
{
	if (unix_device_get(h, true) == NULL)
		return -PLATFORM_EINVAL;
	struct unix_device *d = unix_device_get(h, true);
	unsigned got = 0;
	while (got < n) {
		struct platform_frame *f = &frames[got];
		struct host_tap_vnet_hdr vh = {0};
		enum platform_result r =
		        d->kind == UNIX_NET_TAP
		                ? tap_read(d, f->data, f->size, &f->len, &vh)
		                : platform_net_read(h, f->data, f->size,
		                                    &f->len);
		if (r == PLATFORM_OK &&
		    (d->offloads & PLATFORM_NET_OFF_RX_CSUM)) {
			f->meta.flags = vh.flags;
			f->meta.gso_type = vh.gso_type;
			f->meta.hdr_len = vh.hdr_len;
			f->meta.gso_size = vh.gso_size;
			f->meta.csum_start = vh.csum_start;
			f->meta.csum_offset = vh.csum_offset;
		}
		if (r == PLATFORM_OK)
			got++;
		else if (r == PLATFORM_EINVAL)
			continue;
		else if (r == PLATFORM_AGAIN)
			break;
		else
			return got ? (int)got : -(int)r;
	}
	return (int)got;
}

int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames, unsigned n)
{
	if (unix_device_get(h, true) == NULL)
		return -PLATFORM_EINVAL;
	struct unix_device *d = unix_device_get(h, true);
	unsigned sent = 0;
	while (sent < n) {
		const struct platform_frame *f = &frames[sent];
		bool large = f->meta.gso_type != PLATFORM_NET_GSO_NONE;
		if (f->meta.flags && !(d->offloads & PLATFORM_NET_OFF_TX_CSUM))
			return sent ? (int)sent : -PLATFORM_EINVAL;
		if (large && !(d->offloads & PLATFORM_NET_OFF_TX_TSO4))
			return sent ? (int)sent : -PLATFORM_EINVAL;
		if (f->n_iov && (!(d->offloads & PLATFORM_NET_OFF_TX_SG) ||
		                 f->n_iov > PLATFORM_NET_IOV_MAX))
			return sent ? (int)sent : -PLATFORM_EINVAL;
		enum platform_result r;
		if (d->kind == UNIX_NET_TAP &&
		    f->len <= (large ? PLATFORM_NET_FRAME_MAX : FRAME_MAX) &&
		    f->len >= 14)
			r = tap_write(d, f->data, f->len, &f->meta, f->iov,
			              f->n_iov);
		else
			r = platform_net_write(h, f->data, f->len);
		if (r == PLATFORM_AGAIN)
			break;
		if (r != PLATFORM_OK)
			return sent ? (int)sent : -(int)r;
		sent++;
	}
	return (int)sent;
}

void unix_usernet_flush(void)
{
	for (unsigned i = 0; i < unix_n_devices; i++) {
		struct unix_device *d = &unix_devices[i];
		if (d->kind != UNIX_NET_USER)
			continue;
		struct unix_txq *q = d->txq;
		while (q->count > 0) {
			host_usernet_send(d->usernet, q->slot[q->head].data,
			                  q->slot[q->head].len);
			q->head = (q->head + 1) % UNIX_TXQ_FRAMES;
			q->count--;
		}
	}
}
