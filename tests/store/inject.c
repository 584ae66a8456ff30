/*
 * inject.c - an LD_PRELOAD shim in front of a block file, for power-cut
 * tests: it journals every write to the file since the last flush (old
 * and new bytes, see inject.h), so that after a SIGKILL tests/store/cut.c
 * can turn the file into what a disk with a volatile write cache could
 * hold after a power cut: any subset of the unflushed writes, some torn.
 *
 *   KILN_INJECT_BLOCK=FILE    the block file (matched by device and inode
 *                             when opened)
 *   KILN_INJECT_JOURNAL=FILE  the journal (created afresh)
 *
 * Works under the unix target (and its sanitizers) and under kiln-hvt,
 * whose monitor does the block I/O: after its seccomp filter is on, the
 * shim makes only pread64, pwrite64 and fdatasync calls (the journal is
 * opened, and functions looked up, before), and never allocates. Both
 * drivers write with pwrite and flush with fdatasync; a write, writev,
 * pwritev(2) or sync_file_range on the file marks the journal unusable
 * (INJ_UNMODELLED), so a change of driver cannot go unjournaled.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "inject.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAXFD 1024
#define CHUNK (256 * 1024)

static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);
static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static int (*real_sync_file_range)(int, off_t, off_t, unsigned int);

static bool active;
static dev_t blk_dev;
static ino_t blk_ino;
static int jfd = -1;
static bool tracked[MAXFD];
static struct inj_header hdr;
static uint64_t cursor; /* next record in the current epoch's region */
static uint32_t index_;
static uint8_t chunk[CHUNK];

static bool put(int fd, const void *buf, size_t n, uint64_t off)
{
	const uint8_t *p = buf;
	while (n > 0) {
		ssize_t w = real_pwrite(fd, p, n, (off_t)off);
		if (w <= 0)
			return false;
		p += w;
		off += (uint64_t)w;
		n -= (size_t)w;
	}
	return true;
}

static void put_header(void)
{
	put(jfd, &hdr, sizeof(hdr), 0);
}

__attribute__((constructor)) static void inject_init(void)
{
	real_pwrite = dlsym(RTLD_NEXT, "pwrite64");
	real_pread = dlsym(RTLD_NEXT, "pread64");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_open = dlsym(RTLD_NEXT, "open64");
	real_openat = dlsym(RTLD_NEXT, "openat64");
	real_close = dlsym(RTLD_NEXT, "close");
	real_write = dlsym(RTLD_NEXT, "write");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_pwritev = dlsym(RTLD_NEXT, "pwritev64");
	real_pwritev2 = dlsym(RTLD_NEXT, "pwritev64v2");
	real_sync_file_range = dlsym(RTLD_NEXT, "sync_file_range");
	const char *blk = getenv("KILN_INJECT_BLOCK");
	const char *jn = getenv("KILN_INJECT_JOURNAL");
	struct stat st;
	if (!blk || !jn || stat(blk, &st) < 0)
		return;
	blk_dev = st.st_dev;
	blk_ino = st.st_ino;
	jfd = real_open(jn, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (jfd < 0)
		return;
	hdr.magic = INJ_MAGIC;
	put_header();
	active = true;
}

static void note_open(int fd)
{
	if (!active || fd < 0 || fd >= MAXFD)
		return;
	struct stat st;
	tracked[fd] = fstat(fd, &st) == 0 && st.st_dev == blk_dev &&
	              st.st_ino == blk_ino;
	if (tracked[fd]) {
		hdr.flags |= INJ_OPENED;
		hdr.capacity = (uint64_t)st.st_size;
		/* old and new of a whole device, and record headers */
		hdr.region = 2 * hdr.capacity + (4u << 20);
		put_header();
	}
}

static int mode_of(int flags, va_list ap)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return va_arg(ap, int);
	return 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int mode = mode_of(flags, ap);
	va_end(ap);
	int fd = real_open(path, flags, mode);
	note_open(fd);
	return fd;
}

int openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int mode = mode_of(flags, ap);
	va_end(ap);
	int fd = real_openat(dir, path, flags, mode);
	note_open(fd);
	return fd;
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));
int openat64(int dir, const char *path, int flags, ...)
        __attribute__((alias("openat")));

int __open_2(const char *path, int flags)
{
	return open(path, flags);
}
int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

int close(int fd)
{
	if (fd >= 0 && fd < MAXFD)
		tracked[fd] = false;
	return real_close(fd);
}

/* Journal the write of n bytes at off: old bytes, new bytes, then the
 * record's header. */
static void journal(int fd, const void *buf, size_t n, uint64_t off)
{
	uint64_t need = sizeof(struct inj_record) + 2 * (uint64_t)n;
	need = (need + 7) & ~(uint64_t)7;
	if (hdr.flags & INJ_OVERFLOW)
		return;
	if (cursor + need > hdr.region) {
		hdr.flags |= INJ_OVERFLOW;
		put_header();
		return;
	}
	uint64_t at = INJ_REGION0 + (hdr.epoch % 2) * hdr.region + cursor;
	struct inj_record r = {.magic = INJ_REC_MAGIC,
	                       .index = index_,
	                       .epoch = hdr.epoch,
	                       .offset = off,
	                       .len = n};
	uint64_t h = inj_record_hash_start(&r);
	for (size_t done = 0; done < n;) {
		size_t k = n - done < CHUNK ? n - done : CHUNK;
		ssize_t got = real_pread(fd, chunk, k, (off_t)(off + done));
		if (got < 0)
			got = 0;
		memset(chunk + got, 0, k - (size_t)got);
		h = inj_hash(h, chunk, k);
		if (!put(jfd, chunk, k, at + sizeof(r) + done))
			goto bad;
		done += k;
	}
	h = inj_hash(h, buf, n);
	if (!put(jfd, buf, n, at + sizeof(r) + n))
		goto bad;
	r.hash = h;
	if (!put(jfd, &r, sizeof(r), at))
		goto bad;
	cursor += need;
	index_++;
	hdr.writes++;
	return;
bad:
	hdr.flags |= INJ_OVERFLOW;
	put_header();
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (active && fd >= 0 && fd < MAXFD && tracked[fd] && off >= 0)
		journal(fd, buf, n, (uint64_t)off);
	return real_pwrite(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
        __attribute__((alias("pwrite")));

/* A flush that returned: what was written is durable; a new epoch. */
static void flushed(int fd)
{
	if (!active || fd < 0 || fd >= MAXFD || !tracked[fd])
		return;
	hdr.epoch++;
	hdr.flushes++;
	cursor = 0;
	index_ = 0;
	put_header();
}

/* Calls the block drivers do not make (pread64, pwrite64 and fdatasync
 * are theirs): should one write to or sync the file, the journal would
 * miss it, so it is marked unusable instead and the cut refuses it. */
static void unmodelled(int fd)
{
	if (active && fd >= 0 && fd < MAXFD && tracked[fd] &&
	    !(hdr.flags & INJ_UNMODELLED)) {
		hdr.flags |= INJ_UNMODELLED;
		put_header();
	}
}

/* (a call made before the constructor ran: look the next one up now) */
#define LOOKUP(f, name)                                                        \
	do {                                                                   \
		if (!f)                                                        \
			f = dlsym(RTLD_NEXT, name);                            \
	} while (0)

ssize_t write(int fd, const void *buf, size_t n)
{
	unmodelled(fd);
	LOOKUP(real_write, "write");
	return real_write(fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	unmodelled(fd);
	LOOKUP(real_writev, "writev");
	return real_writev(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	unmodelled(fd);
	LOOKUP(real_pwritev, "pwritev64");
	return real_pwritev(fd, iov, cnt, off);
}
ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
        __attribute__((alias("pwritev")));

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	unmodelled(fd);
	LOOKUP(real_pwritev2, "pwritev64v2");
	return real_pwritev2(fd, iov, cnt, off, flags);
}
ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off_t off,
                    int flags) __attribute__((alias("pwritev2")));

int sync_file_range(int fd, off_t off, off_t n, unsigned int flags)
{
	unmodelled(fd);
	LOOKUP(real_sync_file_range, "sync_file_range");
	return real_sync_file_range(fd, off, n, flags);
}

int fdatasync(int fd)
{
	int r = real_fdatasync(fd);
	if (r == 0)
		flushed(fd);
	return r;
}

int fsync(int fd)
{
	int r = real_fsync(fd);
	if (r == 0)
		flushed(fd);
	return r;
}
