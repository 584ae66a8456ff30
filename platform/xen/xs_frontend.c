/*
 * xs_frontend.c - the xenbus side shared by netfront and blkfront (see
 * xs_frontend.h).
 */
#include "xs_frontend.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void xfe_logf(const struct xs_frontend *f, const char *fmt, ...)
{
	char line[240];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	xs_logf("%s: %s", f->name, line);
}

const char *xfe_state_name(unsigned state)
{
	static const char *const names[] = {
	        "Unknown",     "Initialising",  "InitWait",
	        "Initialised", "Connected",     "Closing",
	        "Closed",      "Reconfiguring", "Reconfigured",
	};
	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

int xfe_unit(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	if (!name || strncmp(name, prefix, n) != 0)
		return -1;
	const char *d = name + n;
	size_t len = strlen(d);
	uint64_t v;
	/* No leading zeros: "net01" is not "net1". */
	if (len == 0 || len > 2 || (len > 1 && d[0] == '0') ||
	    !xs_parse_uint(d, len, 99, &v))
		return -1;
	return (int)v;
}

/* dir + "/" + key into out; false when it does not fit. */
static bool key_path(char *out, size_t size, const char *dir, const char *key)
{
	int n = snprintf(out, size, "%s/%s", dir, key);
	return n > 0 && (size_t)n < size;
}

int xfe_read(const struct xs_frontend *f, bool backend, const char *key,
             char *buf, size_t size)
{
	char path[XS_WATCH_PATH_MAX];
	if (!key_path(path, sizeof(path), backend ? f->backend : f->dir, key))
		return XS_ETOOLONG;
	return xs_read(0, path, buf, size, NULL);
}

int xfe_read_uint(const struct xs_frontend *f, bool backend, const char *key,
                  uint64_t max, uint64_t *v)
{
	char path[XS_WATCH_PATH_MAX];
	if (!key_path(path, sizeof(path), backend ? f->backend : f->dir, key))
		return XS_ETOOLONG;
	return xs_read_uint(0, path, max, v);
}

int xfe_write(const struct xs_frontend *f, uint32_t tx, const char *key,
              const char *value)
{
	char path[XS_WATCH_PATH_MAX];
	if (!key_path(path, sizeof(path), f->dir, key))
		return XS_ETOOLONG;
	return xs_write(tx, path, value);
}

int xfe_write_uint(const struct xs_frontend *f, uint32_t tx, const char *key,
                   uint64_t v)
{
	char path[XS_WATCH_PATH_MAX];
	if (!key_path(path, sizeof(path), f->dir, key))
		return XS_ETOOLONG;
	return xs_write_uint(tx, path, v);
}

int xfe_open(struct xs_frontend *f, const char *name, const char *dir)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	int r = xfe_read(f, false, "backend", f->backend, sizeof(f->backend));
	if (r == XS_ENOENT)
		return r;
	if (r != XS_OK) {
		xfe_logf(f, "cannot read %s/backend: %s", dir, xs_strerror(r));
		return r;
	}
	if (f->backend[0] != '/') {
		xfe_logf(f, "%s/backend is not an absolute path: \"%.100s\"",
		         dir, f->backend);
		return XS_EINVAL;
	}
	uint64_t id;
	r = xfe_read_uint(f, false, "backend-id", DOMID_FIRST_RESERVED - 1,
	                  &id);
	if (r != XS_OK) {
		xfe_logf(f, "cannot read %s/backend-id: %s", dir,
		         xs_strerror(r));
		return r;
	}
	f->backend_id = (domid_t)id;
	return XS_OK;
}

int xfe_backend_state(const struct xs_frontend *f, unsigned *state)
{
	uint64_t v;
	int r = xfe_read_uint(f, true, "state", 1000, &v);
	if (r == XS_EINVAL) {
		*state = XenbusStateUnknown;
		return XS_OK;
	}
	if (r == XS_OK)
		*state = (unsigned)v;
	return r;
}

int xfe_switch(const struct xs_frontend *f, enum xenbus_state state)
{
	int r = xfe_write_uint(f, 0, "state", (uint64_t)state);
	if (r != XS_OK)
		xfe_logf(f, "cannot set our state to %s: %s",
		         xfe_state_name(state), xs_strerror(r));
	return r;
}

int xfe_watch(struct xs_frontend *f)
{
	char path[XS_WATCH_PATH_MAX];
	if (f->watching)
		return XS_OK;
	if (!key_path(path, sizeof(path), f->backend, "state"))
		return XS_ETOOLONG;
	int r = xs_watch(&f->watch, path);
	if (r != XS_OK) {
		xfe_logf(f, "cannot watch %s: %s", path, xs_strerror(r));
		return r;
	}
	f->watching = true;
	return XS_OK;
}

void xfe_release(struct xs_frontend *f)
{
	if (f->watching)
		xs_unwatch(&f->watch);
	f->watching = false;
}

int xfe_wait(struct xs_frontend *f, unsigned want, platform_time deadline,
             unsigned *last)
{
	char ignored[8];
	*last = XenbusStateUnknown;
	for (;;) {
		/* Events so far are covered by the read that follows. */
		while (xs_watch_take(&f->watch, ignored, sizeof(ignored)))
			;
		int r = xfe_backend_state(f, last);
		if (r != XS_OK)
			return r;
		if (*last == want)
			return XS_OK;
		if (want < XenbusStateClosing &&
		    (*last == XenbusStateClosing || *last == XenbusStateClosed))
			return XS_EIO;
		r = xs_watch_wait(&f->watch, deadline);
		if (r != XS_OK)
			return r;
	}
}

int xfe_wait_offer(struct xs_frontend *f)
{
	platform_time deadline = platform_clock_monotonic() + XFE_WAIT_NS;
	bool asked = false;
	for (;;) {
		unsigned st;
		int r = xfe_wait(f, XenbusStateInitWait, deadline, &st);
		if (r == XS_OK)
			return XS_OK;
		if (r == XS_EIO && st == XenbusStateClosed && !asked) {
			/* Left closed by an earlier frontend: ask again. */
			asked = true;
			xfe_switch(f, XenbusStateInitialising);
			continue;
		}
		if (r == XS_ETIMEDOUT)
			xfe_logf(f,
			         "the backend %.100s stayed in state %s for 10 "
			         "s",
			         f->backend, xfe_state_name(st));
		else if (r == XS_EIO)
			xfe_logf(f, "the backend %.100s is %s", f->backend,
			         xfe_state_name(st));
		else
			xfe_logf(f, "cannot read the state of %.100s: %s",
			         f->backend, xs_strerror(r));
		return r;
	}
}

int xfe_wait_connected(struct xs_frontend *f)
{
	unsigned st;
	int r = xfe_wait(f, XenbusStateConnected,
	                 platform_clock_monotonic() + XFE_WAIT_NS, &st);
	if (r == XS_ETIMEDOUT)
		xfe_logf(
		        f,
		        "the backend %.100s did not connect within 10 s (it is "
		        "in state %s)",
		        f->backend, xfe_state_name(st));
	else if (r != XS_OK)
		xfe_logf(f,
		         "the backend %.100s went to %s instead of connecting",
		         f->backend,
		         r == XS_ENOENT ? "nowhere" : xfe_state_name(st));
	return r;
}
