/*
 * monitor/hvt/block.c - block devices backed by host files.
 *
 * --block file=PATH (parsed by host/hostopt.c) adds device blk<n>. Sectors are
 * 512 bytes; the capacity is the file size rounded down to a sector. Reads and
 * writes are pread and pwrite straight between the file and guest memory (after
 * the range checks); flush is fdatasync.
 */
#include "hvt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 512u

int hvt_block_add(struct hvt *h, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "kiln-hvt: --block %s: %s\n", path,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)SECTOR) {
		fprintf(stderr,
		        "kiln-hvt: --block %s: not a file of at least %u "
		        "bytes\n",
		        path, SECTOR);
		close(fd);
		return -1;
	}
	struct hvt_block *b = &h->block[h->nblock];
	b->fd = fd;
	b->capacity = (uint64_t)st.st_size & ~(uint64_t)(SECTOR - 1);
	snprintf(b->name, sizeof(b->name), "blk%u", h->nblock);
	h->nblock++;
	return 0;
}

/* The device name at guest address name, checked; NULL when bad. */
const char *hvt_guest_name(struct hvt *h, uint64_t addr, char *out)
{
	for (unsigned i = 0; i < HVT_NAME_MAX; i++) {
		const char *c = hvt_guest_ptr(h, addr + i, 1, false);
		if (!c)
			return NULL;
		out[i] = *c;
		if (*c == 0)
			return out;
	}
	return NULL;
}

static void acquire(struct hvt *h, uint32_t arg)
{
	struct hvt_block_acquire a;
	char name[HVT_NAME_MAX];
	if (!hvt_get_arg(h, HVT_CALL_BLOCK_ACQUIRE, arg, &a, sizeof(a)))
		return;
	a.result = HVT_ENOENT;
	if (!hvt_guest_name(h, a.name, name)) {
		hvt_guest_error(h, "block acquire: bad name pointer 0x%llx",
		                (unsigned long long)a.name);
		a.result = HVT_EINVAL;
	}
	for (unsigned i = 0; a.result == HVT_ENOENT && i < h->nblock; i++) {
		struct hvt_block *b = &h->block[i];
		if (strcmp(b->name, name) != 0)
			continue;
		if (b->acquired) {
			a.result = HVT_EINVAL;
			break;
		}
		b->acquired = true;
		a.capacity = b->capacity;
		a.sector_size = SECTOR;
		a.handle = HVT_BLOCK_HANDLE(i);
		a.result = HVT_OK;
	}
	hvt_put_arg(h, arg, &a, sizeof(a));
}

static struct hvt_block *lookup(struct hvt *h, uint32_t handle)
{
	if (handle < HVT_BLOCK_HANDLE(0) ||
	    handle - HVT_BLOCK_HANDLE(0) >= h->nblock)
		return NULL;
	struct hvt_block *b = &h->block[handle - HVT_BLOCK_HANDLE(0)];
	return b->acquired ? b : NULL;
}

static uint32_t transfer(struct hvt *h, unsigned nr, struct hvt_block_io *io)
{
	struct hvt_block *b = lookup(h, io->handle);
	if (!b)
		return HVT_EINVAL;
	if (nr == HVT_CALL_BLOCK_FLUSH)
		return fdatasync(b->fd) == 0 ? HVT_OK : HVT_EUNSPEC;
	if (io->offset % SECTOR || io->len % SECTOR ||
	    io->offset > b->capacity || io->len > b->capacity - io->offset)
		return HVT_EINVAL;
	bool write = nr == HVT_CALL_BLOCK_WRITE;
	/* A block read writes guest memory; a block write reads it. */
	uint8_t *p = hvt_guest_ptr(h, io->data, io->len, !write);
	if (!p) {
		hvt_guest_error(h, "%s: bad buffer 0x%llx+%llu",
		                hvt_call_names[nr],
		                (unsigned long long)io->data,
		                (unsigned long long)io->len);
		return HVT_EINVAL;
	}
	uint64_t done = 0;
	while (done < io->len) {
		ssize_t n = write ? pwrite(b->fd, p + done, io->len - done,
		                           (off_t)(io->offset + done))
		                  : pread(b->fd, p + done, io->len - done,
		                          (off_t)(io->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "kiln-hvt: %s: %s\n",
			        hvt_call_names[nr], strerror(errno));
			return HVT_EUNSPEC;
		}
		if (n == 0) { /* the file shrank: reads see zeros */
			if (write)
				return HVT_EUNSPEC;
			memset(p + done, 0, io->len - done);
			break;
		}
		done += (uint64_t)n;
	}
	return HVT_OK;
}

void hvt_block_call(struct hvt *h, unsigned nr, uint32_t arg)
{
	if (nr == HVT_CALL_BLOCK_ACQUIRE) {
		acquire(h, arg);
		return;
	}
	struct hvt_block_io io;
	if (!hvt_get_arg(h, nr, arg, &io, sizeof(io)))
		return;
	io.result = transfer(h, nr, &io);
	hvt_put_arg(h, arg, &io, sizeof(io));
}
