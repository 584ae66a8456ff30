/*
 * net.c - frames over a tap file descriptor or user-mode networking.
 */
#include "unix.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define FRAME_MAX (HOST_USERNET_MTU + 14)

/* One frame from a tap fd. A frame longer than size is detected with a
 * one-byte spill buffer, dropped and reported as PLATFORM_EINVAL. */
static enum platform_result tap_read(int fd, void *buf, size_t size,
                                     size_t *len)
{
	char spill;
	struct iovec iov[2] = {{buf, size}, {&spill, 1}};
	for (;;) {
		ssize_t n = readv(fd, iov, 2);
		if (n >= 0) {
			if ((size_t)n > size)
				return PLATFORM_EINVAL;
			*len = (size_t)n;
			return PLATFORM_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return PLATFORM_AGAIN;
		return PLATFORM_EUNSPEC;
	}
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	struct unix_device *d = unix_device_get(h, true);
	if (d == NULL)
		return PLATFORM_EINVAL;
	if (d->kind == UNIX_NET_TAP)
		return tap_read(d->fd, buf, size, len);
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
	for (;;) {
		ssize_t n = write(d->fd, buf, len);
		if (n >= 0)
			return PLATFORM_OK;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return PLATFORM_AGAIN;
		/* E.g. EIO while the interface is down: the wire drops it. */
		return errno == EIO ? PLATFORM_OK : PLATFORM_EUNSPEC;
	}
}

/* Frames too large for their buffer are skipped (dropped) in a batch. */
int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned n)
{
	if (unix_device_get(h, true) == NULL)
		return -PLATFORM_EINVAL;
	unsigned got = 0;
	while (got < n) {
		enum platform_result r =
		        platform_net_read(h, frames[got].data, frames[got].size,
		                          &frames[got].len);
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
	unsigned sent = 0;
	while (sent < n) {
		enum platform_result r = platform_net_write(
		        h, frames[sent].data, frames[sent].len);
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
