/*
 * host/vchan_link.c - vchan links between two host processes: rendezvous,
 * the shared window and its directories, page allocation, doorbells and
 * departures (see vchan_link.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, accept4 */
#endif
#include "vchan_link.h"

#include "usernet.h" /* struct host_pollset */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "kilnvch1"
#define VERSION 1
#define JOIN_WAIT_MS 5000

/* What the creator sends a joiner (with the memfd and both bells), and
 * what it writes at the start of the control area. */
struct hello {
	char magic[8];
	uint32_t version;
	uint32_t pad;
	uint64_t window;
};

/* A directory entry in the control area's second page: side s owns
 * entries s * HOST_VCHAN_DIR_ENTRIES ... A free entry has npages 0. */
struct dirent {
	uint32_t seq; /* odd while its owner writes it */
	uint32_t first;
	uint32_t npages;
	uint32_t pad;
	char port[HOST_VCHAN_PORT_MAX + 1];
};
_Static_assert(sizeof(struct dirent) == 64, "64-byte entries");
_Static_assert(2 * HOST_VCHAN_DIR_ENTRIES * sizeof(struct dirent) <=
                       HOST_VCHAN_PAGE,
               "both directories fit in one page");

static void seterr(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen > 0)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static struct dirent *dir_of(struct host_vchan_link *l, unsigned side,
                             unsigned i)
{
	return (struct dirent *)(l->ctl + HOST_VCHAN_PAGE) +
	       side * HOST_VCHAN_DIR_ENTRIES + i;
}

static uint32_t half_lo(const struct host_vchan_link *l, unsigned side)
{
	return side * (l->pages / 2);
}

static unsigned side_of(const struct host_vchan_link *l)
{
	return l->creator ? 0 : 1;
}

static bool peer_present(const struct host_vchan_link *l)
{
	return !l->dead && l->conn_fd >= 0;
}

/* ------------------------------------------------------------ rendezvous */

static bool make_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return false;
	memcpy(a->sun_path, path, strlen(path));
	return true;
}

/* The creator's side: a memfd, two bells, the control header. */
static int create(struct host_vchan_link *l, char *err, size_t errlen)
{
	uint64_t total = HOST_VCHAN_CTL_SIZE + l->opt.window;
	l->memfd = memfd_create("kiln-vchan", MFD_CLOEXEC);
	if (l->memfd < 0 || ftruncate(l->memfd, (off_t)total) < 0) {
		seterr(err, errlen, "--vchan peer=%s: shared memory: %s",
		       l->opt.peer, strerror(errno));
		return -1;
	}
	for (int s = 0; s < 2; s++) {
		l->bell[s] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (l->bell[s] < 0) {
			seterr(err, errlen, "--vchan peer=%s: eventfd: %s",
			       l->opt.peer, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Map the control area and the window of l->memfd. */
static int map_memfd(struct host_vchan_link *l, char *err, size_t errlen)
{
	l->ctl = mmap(NULL, HOST_VCHAN_CTL_SIZE, PROT_READ | PROT_WRITE,
	              MAP_SHARED, l->memfd, 0);
	l->window = mmap(NULL, l->opt.window, PROT_READ | PROT_WRITE,
	                 MAP_SHARED, l->memfd, HOST_VCHAN_CTL_SIZE);
	if (l->ctl == MAP_FAILED || l->window == MAP_FAILED) {
		seterr(err, errlen, "--vchan peer=%s: mmap: %s", l->opt.peer,
		       strerror(errno));
		return -1;
	}
	l->pages = (uint32_t)(l->opt.window / HOST_VCHAN_PAGE);
	return 0;
}

/* Listen at the path (a stale socket of a creator that went is replaced:
 * nothing answers on it). Returns 0, or 1 when someone listens there
 * after all (then join), or -1. */
static int listen_at(struct host_vchan_link *l, char *err, size_t errlen)
{
	struct sockaddr_un a;
	make_addr(l->opt.path, &a);
	l->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->listen_fd < 0)
		goto fail;
	if (bind(l->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (errno != EADDRINUSE)
			goto fail;
		/* Taken: a creator starting right now, or a stale socket. */
		for (int i = 0; i < 20; i++) {
			int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			int r = fd < 0 ? -1
			               : connect(fd, (struct sockaddr *)&a,
			                         sizeof(a));
			int e = errno;
			if (fd >= 0)
				close(fd);
			if (r == 0)
				return 1;
			if (e != ECONNREFUSED)
				break;
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		unlink(l->opt.path);
		if (bind(l->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			goto fail;
	}
	if (listen(l->listen_fd, 4) < 0)
		goto fail;
	int fl = fcntl(l->listen_fd, F_GETFL);
	if (fl < 0 || fcntl(l->listen_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		goto fail;
	return 0;
fail:
	seterr(err, errlen, "--vchan peer=%s: cannot listen at %s: %s",
	       l->opt.peer, l->opt.path, strerror(errno));
	return -1;
}

/* Join the creator listening at the path: 0, 1 when nobody listens
 * there (then create), or -1. */
static int join(struct host_vchan_link *l, char *err, size_t errlen)
{
	struct sockaddr_un a;
	make_addr(l->opt.path, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		seterr(err, errlen, "--vchan peer=%s: socket: %s", l->opt.peer,
		       strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			return 1;
		seterr(err, errlen, "--vchan peer=%s: cannot connect to %s: %s",
		       l->opt.peer, l->opt.path, strerror(e));
		return -1;
	}
	/* The creator answers from its next wait. */
	struct pollfd p = {fd, POLLIN, 0};
	struct hello h;
	int fds[3];
	char cbuf[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = {&h, sizeof(h)};
	struct msghdr m = {.msg_iov = &iov,
	                   .msg_iovlen = 1,
	                   .msg_control = cbuf,
	                   .msg_controllen = sizeof(cbuf)};
	memset(cbuf, 0, sizeof(cbuf));
	ssize_t got = -1;
	if (poll(&p, 1, JOIN_WAIT_MS) == 1)
		got = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = got > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (got != (ssize_t)sizeof(h) || !c || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(fds))) {
		if (c && c->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *pf = (int *)CMSG_DATA(c);
			for (size_t i = 0; i < nfd && i < 3; i++)
				close(pf[i]);
		}
		close(fd);
		seterr(err, errlen,
		       "--vchan peer=%s: no answer from the process at %s "
		       "(%s)",
		       l->opt.peer, l->opt.path,
		       got == 0 ? "it closed" : "nothing valid in 5 s");
		return -1;
	}
	memcpy(fds, CMSG_DATA(c), sizeof(fds));
	l->memfd = fds[0];
	l->bell[0] = fds[1];
	l->bell[1] = fds[2];
	l->conn_fd = fd;
	struct stat st;
	if (memcmp(h.magic, MAGIC, 8) != 0 || h.version != VERSION) {
		seterr(err, errlen,
		       "--vchan peer=%s: the process at %s speaks another "
		       "protocol",
		       l->opt.peer, l->opt.path);
		return -1;
	}
	if (h.window != l->opt.window) {
		seterr(err, errlen,
		       "--vchan peer=%s: the window at %s is %lluK, this one "
		       "%lluK (give both sides the same window=)",
		       l->opt.peer, l->opt.path,
		       (unsigned long long)(h.window >> 10),
		       (unsigned long long)(l->opt.window >> 10));
		return -1;
	}
	if (fstat(l->memfd, &st) < 0 ||
	    (uint64_t)st.st_size < HOST_VCHAN_CTL_SIZE + l->opt.window) {
		seterr(err, errlen,
		       "--vchan peer=%s: the shared memory from %s is too "
		       "small",
		       l->opt.peer, l->opt.path);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return 0;
}

static int link_setup(struct host_vchan_link *l, char *err, size_t errlen)
{
	for (int tries = 0; tries < 3; tries++) {
		int r = join(l, err, errlen);
		if (r < 0)
			return -1;
		if (r == 0) {
			l->creator = false;
			if (map_memfd(l, err, errlen) < 0)
				return -1;
			const struct hello *h = (const struct hello *)l->ctl;
			if (memcmp(h->magic, MAGIC, 8) != 0) {
				seterr(err, errlen,
				       "--vchan peer=%s: the shared memory "
				       "from %s is not a link's",
				       l->opt.peer, l->opt.path);
				return -1;
			}
			/* Our half and directory start empty. */
			memset(l->window + (uint64_t)half_lo(l, 1) *
			                           HOST_VCHAN_PAGE,
			       0, l->opt.window / 2);
			memset(dir_of(l, 1, 0), 0,
			       HOST_VCHAN_DIR_ENTRIES * sizeof(struct dirent));
			l->joins = 1;
			return 0;
		}
		r = listen_at(l, err, errlen);
		if (r < 0)
			return -1;
		if (r == 1) {
			close(l->listen_fd);
			l->listen_fd = -1;
			continue; /* a creator appeared: join it */
		}
		l->creator = true;
		if (create(l, err, errlen) < 0 || map_memfd(l, err, errlen) < 0)
			return -1;
		struct hello *h = (struct hello *)l->ctl;
		memcpy(h->magic, MAGIC, 8);
		h->version = VERSION;
		h->window = l->opt.window;
		return 0;
	}
	seterr(err, errlen,
	       "--vchan peer=%s: the rendezvous at %s keeps changing",
	       l->opt.peer, l->opt.path);
	return -1;
}

int host_vchan_setup(struct host_vchan *v, const struct host_vchan_opt *opts,
                     unsigned n, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	if (n > HOST_MAX_VCHANS) {
		seterr(err, errlen, "--vchan: at most %d links",
		       HOST_MAX_VCHANS);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct host_vchan_link *l = &v->link[i];
		l->opt = opts[i];
		l->listen_fd = l->conn_fd = l->memfd = -1;
		l->bell[0] = l->bell[1] = -1;
		l->ix_listen = l->ix_conn = l->ix_bell = -1;
		v->nlinks = i + 1;
		if (!make_addr(l->opt.path, &(struct sockaddr_un){0})) {
			seterr(err, errlen, "--vchan peer=%s: path too long",
			       l->opt.peer);
			return -1;
		}
		if (link_setup(l, err, errlen) < 0)
			return -1;
	}
	for (unsigned i = 0; i < HOST_VCHAN_CHANNELS; i++)
		v->chan[i].dir = -1;
	return 0;
}

int host_vchan_link_of(const struct host_vchan *v, const char *peer)
{
	for (unsigned i = 0; i < v->nlinks; i++)
		if (strcmp(v->link[i].opt.peer, peer) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------- directory */

static void dir_write(struct dirent *e, uint32_t first, uint32_t npages,
                      const char *port)
{
	uint32_t s = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, s | 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memset(e->port, 0, sizeof(e->port));
	if (port)
		memcpy(e->port, port, strlen(port));
	e->first = first;
	__atomic_store_n(&e->npages, npages, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, (s | 1) + 1, __ATOMIC_RELEASE);
}

/* A stable copy of the peer's entry; false when it kept changing. */
static bool dir_read(const struct dirent *e, struct dirent *out)
{
	for (int tries = 0; tries < 64; tries++) {
		uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		memcpy(out, (const void *)e, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == s1) {
			out->port[HOST_VCHAN_PORT_MAX] = '\0';
			return true;
		}
	}
	return false;
}

static bool port_ok(const char *port)
{
	size_t n = strnlen(port, HOST_VCHAN_PORT_MAX + 1);
	if (n == 0 || n > HOST_VCHAN_PORT_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = port[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------- channels */

static bool page_used(const struct host_vchan_link *l, uint32_t i)
{
	return l->used[i / 64] >> (i % 64) & 1;
}

static void page_mark(struct host_vchan_link *l, uint32_t i, bool on)
{
	if (on)
		l->used[i / 64] |= 1ull << (i % 64);
	else
		l->used[i / 64] &= ~(1ull << (i % 64));
}

static int chan_alloc(struct host_vchan *v)
{
	for (unsigned i = 0; i < HOST_VCHAN_CHANNELS; i++)
		if (!v->chan[i].used)
			return (int)i;
	return -1;
}

int host_vchan_offer(struct host_vchan *v, const char *peer, uint32_t npages,
                     unsigned *chan, uint32_t *first)
{
	int li = host_vchan_link_of(v, peer);
	if (li < 0)
		return HOST_VCHAN_ENOENT;
	struct host_vchan_link *l = &v->link[li];
	uint32_t half = l->pages / 2;
	if (npages == 0 || npages > half)
		return HOST_VCHAN_EINVAL;
	int c = chan_alloc(v);
	if (c < 0 || l->dead)
		return HOST_VCHAN_EUNSPEC;
	/* Next fit, in page numbers relative to our half: the search
	 * starts where the last offer ended, so that the pages of a channel
	 * that just ended (which its peer may still write) are the last to
	 * be used again. */
	uint32_t run = 0, at = 0;
	for (uint32_t k = 0; k < 2 * half && run < npages; k++) {
		uint32_t i = (l->next + k) % half;
		if (i == 0)
			run = 0; /* a run does not wrap around */
		if (page_used(l, i)) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			at = i;
	}
	for (uint32_t i = 0; i < npages; i++)
		page_mark(l, at + i, true);
	l->next = (at + npages) % half;
	uint32_t abs = half_lo(l, side_of(l)) + at;
	memset(l->window + (uint64_t)abs * HOST_VCHAN_PAGE, 0,
	       (uint64_t)npages * HOST_VCHAN_PAGE);
	v->chan[c] = (struct host_vchan_chan){.used = true,
	                                      .offered = true,
	                                      .link = (unsigned)li,
	                                      .first = abs,
	                                      .npages = npages,
	                                      .dir = -1,
	                                      .epoch = l->epoch};
	*chan = (unsigned)c;
	*first = abs;
	return HOST_VCHAN_OK;
}

static struct host_vchan_chan *chan_get(struct host_vchan *v, unsigned chan)
{
	if (chan >= HOST_VCHAN_CHANNELS || !v->chan[chan].used)
		return NULL;
	return &v->chan[chan];
}

int host_vchan_publish(struct host_vchan *v, unsigned chan, const char *port)
{
	struct host_vchan_chan *c = chan_get(v, chan);
	if (!c || !c->offered || c->dir >= 0 || !port_ok(port))
		return HOST_VCHAN_EINVAL;
	struct host_vchan_link *l = &v->link[c->link];
	unsigned side = side_of(l);
	int free_ix = -1;
	for (unsigned i = 0; i < HOST_VCHAN_DIR_ENTRIES; i++) {
		struct dirent *e = dir_of(l, side, i);
		if (e->npages == 0) {
			if (free_ix < 0)
				free_ix = (int)i;
		} else if (strncmp(e->port, port, sizeof(e->port)) == 0) {
			return HOST_VCHAN_EINVAL; /* one offer per port */
		}
	}
	if (free_ix < 0)
		return HOST_VCHAN_EUNSPEC;
	dir_write(dir_of(l, side, (unsigned)free_ix), c->first, c->npages,
	          port);
	c->dir = free_ix;
	return HOST_VCHAN_OK;
}

int host_vchan_find(struct host_vchan *v, const char *peer, const char *port,
                    unsigned *chan, uint32_t *first)
{
	int li = host_vchan_link_of(v, peer);
	if (li < 0)
		return HOST_VCHAN_ENOENT;
	if (!port_ok(port))
		return HOST_VCHAN_EINVAL;
	struct host_vchan_link *l = &v->link[li];
	if (!peer_present(l))
		return HOST_VCHAN_AGAIN;
	unsigned ps = 1 - side_of(l);
	uint32_t lo = half_lo(l, ps), n = l->pages / 2;
	for (unsigned i = 0; i < HOST_VCHAN_DIR_ENTRIES; i++) {
		struct dirent e;
		if (!dir_read(dir_of(l, ps, i), &e) || e.npages == 0 ||
		    strcmp(e.port, port) != 0)
			continue;
		/* Only pages of the peer's own half. */
		if (e.first < lo || e.first - lo >= n ||
		    e.npages > n - (e.first - lo))
			return HOST_VCHAN_EUNSPEC;
		int c = chan_alloc(v);
		if (c < 0)
			return HOST_VCHAN_EUNSPEC;
		v->chan[c] = (struct host_vchan_chan){.used = true,
		                                      .offered = false,
		                                      .link = (unsigned)li,
		                                      .first = e.first,
		                                      .npages = e.npages,
		                                      .dir = -1,
		                                      .epoch = l->epoch};
		*chan = (unsigned)c;
		*first = e.first;
		return HOST_VCHAN_OK;
	}
	return HOST_VCHAN_AGAIN;
}

int host_vchan_map(struct host_vchan *v, unsigned chan, const uint32_t *refs,
                   unsigned n, uint32_t *first)
{
	struct host_vchan_chan *c = chan_get(v, chan);
	if (!c || c->offered || n == 0)
		return HOST_VCHAN_EINVAL;
	struct host_vchan_link *l = &v->link[c->link];
	uint32_t lo = half_lo(l, 1 - side_of(l)), half = l->pages / 2;
	uint32_t r0 = refs[0];
	if (r0 < lo || r0 - lo >= half || n > half - (r0 - lo))
		return HOST_VCHAN_EINVAL;
	for (unsigned i = 1; i < n; i++)
		if (refs[i] != r0 + i)
			return HOST_VCHAN_EINVAL;
	*first = r0;
	return HOST_VCHAN_OK;
}

void host_vchan_notify(struct host_vchan *v, unsigned chan)
{
	struct host_vchan_chan *c = chan_get(v, chan);
	if (c && c->epoch == v->link[c->link].epoch)
		v->link[c->link].ring = true;
}

bool host_vchan_gone(const struct host_vchan *v, unsigned chan)
{
	if (chan >= HOST_VCHAN_CHANNELS || !v->chan[chan].used)
		return true;
	const struct host_vchan_chan *c = &v->chan[chan];
	const struct host_vchan_link *l = &v->link[c->link];
	return l->dead || c->epoch != l->epoch;
}

static void unpublish(struct host_vchan *v, struct host_vchan_chan *c)
{
	struct host_vchan_link *l = &v->link[c->link];
	if (c->dir >= 0)
		dir_write(dir_of(l, side_of(l), (unsigned)c->dir), 0, 0, NULL);
	c->dir = -1;
}

void host_vchan_close(struct host_vchan *v, unsigned chan)
{
	struct host_vchan_chan *c = chan_get(v, chan);
	if (!c)
		return;
	if (c->offered) {
		struct host_vchan_link *l = &v->link[c->link];
		unpublish(v, c);
		uint32_t rel = c->first - half_lo(l, side_of(l));
		for (uint32_t i = 0; i < c->npages; i++)
			page_mark(l, rel + i, false);
	}
	c->used = false;
}

unsigned host_vchan_chan_link(const struct host_vchan *v, unsigned chan)
{
	return chan < HOST_VCHAN_CHANNELS ? v->chan[chan].link : 0;
}

/* ------------------------------------------------------------- the wait */

static uint64_t link_channels(const struct host_vchan *v, unsigned li)
{
	uint64_t set = 0;
	for (unsigned i = 0; i < HOST_VCHAN_CHANNELS; i++)
		if (v->chan[i].used && v->chan[i].link == li)
			set |= 1ull << i;
	return set;
}

void host_vchan_ring(struct host_vchan *v)
{
	for (unsigned i = 0; i < v->nlinks; i++) {
		struct host_vchan_link *l = &v->link[i];
		if (l->ring && peer_present(l)) {
			uint64_t one = 1;
			if (write(l->bell[1 - side_of(l)], &one, 8) == 8)
				l->bells_rung++;
		}
		l->ring = false;
	}
}

void host_vchan_poll_fill(struct host_vchan *v, struct host_pollset *ps)
{
	host_vchan_ring(v);
	for (unsigned i = 0; i < v->nlinks; i++) {
		struct host_vchan_link *l = &v->link[i];
		l->ix_listen = l->ix_conn = l->ix_bell = -1;
		if (l->dead)
			continue;
		if (l->creator && l->conn_fd < 0)
			l->ix_listen =
			        host_pollset_add(ps, l->listen_fd, POLLIN);
		if (l->conn_fd >= 0)
			l->ix_conn = host_pollset_add(ps, l->conn_fd, POLLIN);
		l->ix_bell = host_pollset_add(ps, l->bell[side_of(l)], POLLIN);
	}
}

/* A new peer at the creator's socket: clear its half and directory, send
 * it the memory and the bells. */
static void take_joiner(struct host_vchan_link *l)
{
	int fd =
	        accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	memset(l->window + (uint64_t)half_lo(l, 1) * HOST_VCHAN_PAGE, 0,
	       l->opt.window / 2);
	memset(dir_of(l, 1, 0), 0,
	       HOST_VCHAN_DIR_ENTRIES * sizeof(struct dirent));
	struct hello h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, 8);
	h.version = VERSION;
	h.window = l->opt.window;
	int fds[3] = {l->memfd, l->bell[0], l->bell[1]};
	char cbuf[CMSG_SPACE(sizeof(fds))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = {&h, sizeof(h)};
	struct msghdr m = {.msg_iov = &iov,
	                   .msg_iovlen = 1,
	                   .msg_control = cbuf,
	                   .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	if (sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof(h)) {
		close(fd);
		return;
	}
	/* A doorbell rung for the previous peer means nothing now. */
	uint64_t junk;
	while (read(l->bell[0], &junk, 8) == 8)
		;
	l->conn_fd = fd;
	l->joins++;
}

/* The peer's process ended (or closed the link). */
static void depart(struct host_vchan *v, unsigned li)
{
	struct host_vchan_link *l = &v->link[li];
	close(l->conn_fd);
	l->conn_fd = -1;
	l->departures++;
	if (!l->creator) {
		l->dead = true;
		return;
	}
	/* Every channel with that peer has ended: withdraw our offers so
	 * that the next peer does not find them. */
	l->epoch++;
	for (unsigned i = 0; i < HOST_VCHAN_CHANNELS; i++)
		if (v->chan[i].used && v->chan[i].link == li)
			unpublish(v, &v->chan[i]);
}

uint64_t host_vchan_poll_done(struct host_vchan *v,
                              const struct host_pollset *ps, int r)
{
	uint64_t ready = 0;
	if (r <= 0)
		return 0;
	for (unsigned i = 0; i < v->nlinks; i++) {
		struct host_vchan_link *l = &v->link[i];
		if (l->ix_conn >= 0 && ps->fds[l->ix_conn].revents) {
			char buf[64];
			ssize_t n = read(l->conn_fd, buf, sizeof(buf));
			/* The peer never sends anything: EOF or an error is
			 * its end. */
			if (n == 0 ||
			    (n < 0 && errno != EAGAIN && errno != EINTR)) {
				depart(v, i);
				ready |= link_channels(v, i);
			}
		}
		if (l->ix_listen >= 0 && ps->fds[l->ix_listen].revents & POLLIN)
			take_joiner(l);
		if (l->ix_bell >= 0 && ps->fds[l->ix_bell].revents & POLLIN) {
			uint64_t count;
			if (read(l->bell[side_of(l)], &count, 8) == 8)
				l->bells_heard++;
			ready |= link_channels(v, i);
		}
	}
	return ready;
}

void host_vchan_report(const struct host_vchan *v, const char *who)
{
	for (unsigned i = 0; i < v->nlinks; i++) {
		const struct host_vchan_link *l = &v->link[i];
		fprintf(stderr,
		        "%s: vchan link to %s (%s at %s): %llu joins, %llu "
		        "departures, doorbells %llu rung, %llu heard\n",
		        who, l->opt.peer, l->creator ? "created" : "joined",
		        l->opt.path, (unsigned long long)l->joins,
		        (unsigned long long)l->departures,
		        (unsigned long long)l->bells_rung,
		        (unsigned long long)l->bells_heard);
	}
}

void host_vchan_shutdown(struct host_vchan *v)
{
	for (unsigned i = 0; i < v->nlinks; i++)
		if (v->link[i].creator && v->link[i].listen_fd >= 0)
			unlink(v->link[i].opt.path);
}
