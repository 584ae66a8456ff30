/*
 * block.c - block devices backed by a file: pread, pwrite, fdatasync.
 */
#include "unix.h"

#include <errno.h>
#include <unistd.h>

static bool range_ok(const struct unix_device *d, uint64_t offset, size_t size)
{
	return offset % 512 == 0 && size % 512 == 0 && offset <= d->capacity &&
	       size <= d->capacity - offset;
}

enum platform_result platform_block_read(platform_handle h, uint64_t offset,
                                         void *buf, size_t size)
{
	struct unix_device *d = unix_device_get(h, false);
	if (d == NULL || !range_ok(d, offset, size))
		return PLATFORM_EINVAL;
	char *p = buf;
	while (size > 0) {
		ssize_t n = pread(d->fd, p, size, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* an error, or the file shrank under us */
			return PLATFORM_EUNSPEC;
		p += n;
		offset += (uint64_t)n;
		size -= (size_t)n;
	}
	return PLATFORM_OK;
}

enum platform_result platform_block_write(platform_handle h, uint64_t offset,
                                          const void *buf, size_t size)
{
	struct unix_device *d = unix_device_get(h, false);
	if (d == NULL || !range_ok(d, offset, size))
		return PLATFORM_EINVAL;
	const char *p = buf;
	while (size > 0) {
		ssize_t n = pwrite(d->fd, p, size, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return PLATFORM_EUNSPEC;
		p += n;
		offset += (uint64_t)n;
		size -= (size_t)n;
	}
	return PLATFORM_OK;
}

enum platform_result platform_block_flush(platform_handle h)
{
	struct unix_device *d = unix_device_get(h, false);
	if (d == NULL)
		return PLATFORM_EINVAL;
	while (fdatasync(d->fd) < 0) {
		if (errno != EINTR)
			return PLATFORM_EUNSPEC;
	}
	return PLATFORM_OK;
}
