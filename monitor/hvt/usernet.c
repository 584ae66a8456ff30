/*
 * monitor/hvt/usernet.c - user-mode networking, loaded only when used.
 *
 * host/usernet.c (libslirp, and glib under it) is built into its own
 * shared object, bin/kiln-hvt-usernet.so, which kiln-hvt opens beside its
 * own executable the first time a --net user device is set up. A run
 * without user-mode networking then maps neither library: that keeps the
 * monitor's start-up time and resident memory small. It is loaded before
 * the seccomp filter goes on.
 */
#include "hvt.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct {
	void *lib;
	struct host_usernet *(*new_)(const struct host_net_opt *, char *,
	                             size_t);
	void (*send)(struct host_usernet *, const void *, size_t);
	long (*recv)(struct host_usernet *, void *, size_t);
	bool (*pending)(const struct host_usernet *);
	void (*poll_fill)(struct host_usernet *, struct host_pollset *,
	                  int64_t *);
	void (*poll_done)(struct host_usernet *, const struct host_pollset *,
	                  int);
} api;

static int load(char *err, size_t errlen)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0) {
		snprintf(err, errlen, "cannot find kiln-hvt's own path");
		return -1;
	}
	path[n] = 0;
	char *slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "kiln-hvt-usernet.so");
	api.lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!api.lib) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	/* Function pointers from dlsym: POSIX guarantees the conversion. */
#define SYM(field, name)                                                       \
	*(void **)&api.field = dlsym(api.lib, name);                           \
	if (!api.field) {                                                      \
		snprintf(err, errlen, "%s: no %s", path, name);                \
		return -1;                                                     \
	}
	SYM(new_, "host_usernet_new");
	SYM(send, "host_usernet_send");
	SYM(recv, "host_usernet_recv");
	SYM(pending, "host_usernet_pending");
	SYM(poll_fill, "host_usernet_poll_fill");
	SYM(poll_done, "host_usernet_poll_done");
#undef SYM
	return 0;
}

struct host_usernet *hvt_usernet_new(const struct host_net_opt *net, char *err,
                                     size_t errlen)
{
	if (!api.lib && load(err, errlen) < 0)
		return NULL;
	return api.new_(net, err, errlen);
}

void hvt_usernet_send(struct host_usernet *u, const void *frame, size_t len)
{
	api.send(u, frame, len);
}

long hvt_usernet_recv(struct host_usernet *u, void *buf, size_t size)
{
	return api.recv(u, buf, size);
}

bool hvt_usernet_pending(const struct host_usernet *u)
{
	return api.pending(u);
}

void hvt_usernet_poll_fill(struct host_usernet *u, struct host_pollset *ps,
                           int64_t *timeout_ns)
{
	api.poll_fill(u, ps, timeout_ns);
}

void hvt_usernet_poll_done(struct host_usernet *u,
                           const struct host_pollset *ps, int poll_result)
{
	api.poll_done(u, ps, poll_result);
}
