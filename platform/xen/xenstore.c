/*
 * xenstore.c - the xenstore client (see xenstore.h).
 *
 * Bytes from the daemon are assembled into one message at a time: first
 * the 16-byte header (whose length is checked before anything else is
 * read), then its payload. A complete message is either a watch event,
 * queued on the watch with its token, or a reply: kept when its request
 * id is the one outstanding, else dropped and counted (a late reply to a
 * request that timed out, say). Messages are parsed only through
 * xs_msg.c's views.
 */
#include "xenstore.h"
#include "xs_ring.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct {
	bool attached, broken, said_no_ring, said_wrong, said_bad_error;
	struct xs_ring ring;
	evtchn_port_t port;
	uint32_t next_id;
	unsigned next_token;
	platform_time timeout;
	/* The message being received: header first, then payload. */
	uint8_t in[XS_MSG_MAX];
	size_t in_len;
	bool have_hdr;
	struct xsd_sockmsg in_hdr;
	/* The one outstanding request and its reply. */
	bool waiting, answered;
	uint32_t want_id;
	struct xsd_sockmsg reply;
	uint8_t reply_data[XENSTORE_PAYLOAD_MAX + 1];
	uint8_t out[XS_MSG_MAX];
	struct xs_watch *watches;
	struct xs_counters counters;
} xs;

void xs_logf(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	xen_log(line);
}

/* The daemon broke the protocol: say so once; xenstore is then unusable
 * (the byte stream cannot be followed any more). */
static void broken(const char *why)
{
	if (!xs.broken)
		xs_logf("xenstore: %s; xenstore is unusable from now on", why);
	xs.broken = true;
}

static void duration(char *out, size_t size, platform_time ns)
{
	if (ns % 1000000000 == 0)
		snprintf(out, size, "%lld s", (long long)(ns / 1000000000));
	else
		snprintf(out, size, "%lld ms", (long long)(ns / 1000000));
}

int xs_init(void)
{
	if (xs.attached)
		return xs.broken ? XS_EPROTO : XS_OK;
	struct xenstore_domain_interface *page = xen_store_ring();
	if (!page) {
		if (!xs.said_no_ring)
			xs_logf("xenstore: the domain has no xenstore ring");
		xs.said_no_ring = true;
		return XS_ENOTCONN;
	}
	xs.port = xen_store_port();
	xs.attached = true;
	xs.next_id = 1;
	if (xs.timeout <= 0)
		xs.timeout = XS_TIMEOUT_DEFAULT;
	if (!xs_ring_attach(&xs.ring, page)) {
		broken("the ring's indices are impossible at start");
		return XS_EPROTO;
	}
	return XS_OK;
}

void xs_set_timeout(platform_time ns)
{
	xs.timeout = ns > 0 ? ns : XS_TIMEOUT_DEFAULT;
}

void xs_get_counters(struct xs_counters *c)
{
	*c = xs.counters;
}

/* ------------------------------------------------------------ receive */

static struct xs_watch *watch_by_token(const char *token, size_t len)
{
	for (struct xs_watch *w = xs.watches; w; w = w->next)
		if (strlen(w->token) == len &&
		    memcmp(w->token, token, len) == 0)
			return w;
	return NULL;
}

static void queue_event(struct kiln_view payload)
{
	const char *path, *token;
	size_t path_len, token_len;
	if (xs_msg_watch_event(payload, &path, &path_len, &token, &token_len) !=
	    XS_OK) {
		xs.counters.bad_events++;
		return;
	}
	struct xs_watch *w = watch_by_token(token, token_len);
	if (!w) {
		xs.counters.unknown_events++;
		return;
	}
	if (w->count == XS_WATCH_QUEUE) {
		w->overflowed = true;
		w->dropped++;
		return;
	}
	char *slot = w->events[(w->head + w->count) % XS_WATCH_QUEUE];
	size_t n = path_len < XS_WATCH_PATH_MAX - 1 ? path_len
	                                            : XS_WATCH_PATH_MAX - 1;
	memcpy(slot, path, n);
	slot[n] = 0;
	w->count++;
}

static void dispatch(const struct xsd_sockmsg *h, struct kiln_view payload)
{
	if (h->type == XS_WATCH_EVENT) {
		queue_event(payload);
		return;
	}
	if (!xs.waiting || xs.answered || h->req_id != xs.want_id) {
		xs.counters.stale_replies++;
		return;
	}
	xs.reply = *h;
	kiln_view_copy(&payload, xs.reply_data, h->len);
	xs.reply_data[h->len] = 0;
	xs.answered = true;
}

/* Take in whatever the daemon has sent, message by message. */
static void receive(void)
{
	if (!xs.attached || xs.broken)
		return;
	bool consumed = false;
	for (;;) {
		size_t want = XS_HDR_LEN + (xs.have_hdr ? xs.in_hdr.len : 0);
		if (xs.in_len < want) {
			int n = xs_ring_get(&xs.ring, xs.in + xs.in_len,
			                    want - xs.in_len);
			if (n < 0) {
				broken("the daemon's reply index is "
				       "impossible");
				return;
			}
			if (n == 0)
				break;
			consumed = true;
			xs.in_len += (size_t)n;
			continue;
		}
		if (!xs.have_hdr) {
			if (xs_msg_header(kiln_view_make(xs.in, XS_HDR_LEN),
			                  &xs.in_hdr) != XS_OK) {
				broken("a message from the daemon is longer "
				       "than XENSTORE_PAYLOAD_MAX");
				return;
			}
			xs.have_hdr = true;
			continue;
		}
		dispatch(&xs.in_hdr,
		         kiln_view_make(xs.in + XS_HDR_LEN, xs.in_hdr.len));
		xs.in_len = 0;
		xs.have_hdr = false;
	}
	/* The daemon may be waiting for room to write more. */
	if (consumed)
		xen_evtchn_notify(xs.port);
}

void xs_poll(void)
{
	if (xs_init() == XS_OK)
		receive();
}

/* ------------------------------------------------------------ request */

/* Send one request and wait for its reply (left in xs.reply and
 * xs.reply_data). what names the request's object in messages. */
static int request(uint32_t type, uint32_t tx, const struct xs_part *parts,
                   unsigned n, const char *what)
{
	int r = xs_init();
	if (r != XS_OK)
		return r;
	if (xs.waiting)
		return XS_EBUSY; /* not reentrant (cannot happen: one loop) */
	uint32_t id = xs.next_id++;
	size_t len =
	        xs_msg_build(xs.out, sizeof(xs.out), type, id, tx, parts, n);
	if (len == 0)
		return XS_ETOOLONG;
	xs.counters.requests++;
	xs.waiting = true;
	xs.answered = false;
	xs.want_id = id;
	platform_time deadline = platform_clock_monotonic() + xs.timeout;
	size_t sent = 0;
	int result = XS_OK;
	for (;;) {
		if (sent < len) {
			int k = xs_ring_put(&xs.ring, xs.out + sent,
			                    len - sent);
			if (k < 0) {
				broken("the daemon's request index is "
				       "impossible");
				result = XS_EPROTO;
				break;
			}
			if (k > 0) {
				sent += (size_t)k;
				xen_evtchn_notify(xs.port);
			}
		}
		receive();
		if (xs.broken) {
			result = XS_EPROTO;
			break;
		}
		if (sent == len && xs.answered)
			break;
		if (platform_clock_monotonic() >= deadline) {
			char d[24];
			duration(d, sizeof(d), xs.timeout);
			xs.counters.timeouts++;
			if (sent < len) {
				/* Half a request is in the ring: the stream
				 * cannot be resumed. */
				char why[200];
				snprintf(why, sizeof(why),
				         "the daemon read no request bytes for "
				         "%s (%s %.80s)",
				         d, xs_msg_type_name(type),
				         what ? what : "");
				broken(why);
				result = XS_EPROTO;
			} else {
				xs_logf("xenstore: no reply to %s%s%.120s "
				        "within %s",
				        xs_msg_type_name(type), what ? " " : "",
				        what ? what : "", d);
				result = XS_ETIMEDOUT;
			}
			break;
		}
		xen_event_wait(xs.port, deadline);
	}
	xs.waiting = false;
	if (result != XS_OK)
		return result;
	struct kiln_view payload = kiln_view_make(xs.reply_data, xs.reply.len);
	if (xs.reply.type == XS_ERROR) {
		r = xs_msg_error(payload);
		if (r == XS_EPROTO && !xs.said_bad_error) {
			xs.said_bad_error = true;
			xs_logf("xenstore: a malformed error reply to %s",
			        xs_msg_type_name(type));
		}
		return r;
	}
	if (xs.reply.type != type) {
		xs.counters.wrong_replies++;
		if (!xs.said_wrong)
			xs_logf("xenstore: a %s reply to %s%s%.120s (ignored; "
			        "further ones counted only)",
			        xs_msg_type_name(xs.reply.type),
			        xs_msg_type_name(type), what ? " " : "",
			        what ? what : "");
		xs.said_wrong = true;
		return XS_EPROTO;
	}
	return XS_OK;
}

static struct xs_part string_part(const char *s)
{
	struct xs_part p = {s, strlen(s) + 1};
	return p;
}

int xs_read(uint32_t tx, const char *path, char *buf, size_t size, size_t *len)
{
	struct xs_part parts[] = {string_part(path)};
	int r = request(XS_READ, tx, parts, 1, path);
	if (r != XS_OK)
		return r;
	size_t n = xs.reply.len;
	if (n >= size)
		return XS_ETOOLONG;
	memcpy(buf, xs.reply_data, n);
	buf[n] = 0;
	if (len)
		*len = n;
	return XS_OK;
}

int xs_read_uint(uint32_t tx, const char *path, uint64_t max, uint64_t *v)
{
	char buf[24];
	size_t len;
	int r = xs_read(tx, path, buf, sizeof(buf), &len);
	if (r == XS_ETOOLONG)
		return XS_EINVAL;
	if (r != XS_OK)
		return r;
	return xs_parse_uint(buf, len, max, v) ? XS_OK : XS_EINVAL;
}

int xs_write(uint32_t tx, const char *path, const char *value)
{
	struct xs_part parts[] = {string_part(path), {value, strlen(value)}};
	return request(XS_WRITE, tx, parts, 2, path);
}

int xs_write_uint(uint32_t tx, const char *path, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return xs_write(tx, path, buf);
}

int xs_rm(uint32_t tx, const char *path)
{
	struct xs_part parts[] = {string_part(path)};
	return request(XS_RM, tx, parts, 1, path);
}

int xs_set_perms(uint32_t tx, const char *path, const char *const *perms,
                 unsigned n)
{
	struct xs_part parts[1 + XS_PERMS_MAX];
	if (n == 0 || n > XS_PERMS_MAX)
		return XS_EINVAL;
	parts[0] = string_part(path);
	for (unsigned i = 0; i < n; i++)
		parts[1 + i] = string_part(perms[i]);
	return request(XS_SET_PERMS, tx, parts, 1 + n, path);
}

int xs_directory(uint32_t tx, const char *path, char *buf, size_t size,
                 size_t *count)
{
	struct xs_part parts[] = {string_part(path)};
	int r = request(XS_DIRECTORY, tx, parts, 1, path);
	if (r != XS_OK)
		return r;
	if (xs_msg_directory(kiln_view_make(xs.reply_data, xs.reply.len),
	                     count) != XS_OK)
		return XS_EPROTO;
	if (xs.reply.len > size)
		return XS_ETOOLONG;
	memcpy(buf, xs.reply_data, xs.reply.len);
	return XS_OK;
}

/* ------------------------------------------------------------ watches */

static void unlink_watch(struct xs_watch *w)
{
	for (struct xs_watch **p = &xs.watches; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			w->next = NULL;
			return;
		}
	}
}

int xs_watch(struct xs_watch *w, const char *path)
{
	size_t len = strlen(path);
	if (len >= sizeof(w->path))
		return XS_ETOOLONG;
	int r = xs_init();
	if (r != XS_OK)
		return r;
	for (struct xs_watch *o = xs.watches; o; o = o->next)
		if (o == w)
			return XS_EEXIST;
	memset(w, 0, sizeof(*w));
	memcpy(w->path, path, len + 1);
	snprintf(w->token, sizeof(w->token), "kiln%u", xs.next_token++);
	/* Listed before asking: the first event may beat the reply. */
	w->next = xs.watches;
	xs.watches = w;
	struct xs_part parts[] = {string_part(w->path), string_part(w->token)};
	r = request(XS_WATCH, 0, parts, 2, w->path);
	if (r != XS_OK)
		unlink_watch(w);
	return r;
}

int xs_unwatch(struct xs_watch *w)
{
	unlink_watch(w);
	struct xs_part parts[] = {string_part(w->path), string_part(w->token)};
	return request(XS_UNWATCH, 0, parts, 2, w->path);
}

bool xs_watch_pending(struct xs_watch *w)
{
	xs_poll();
	return w->count > 0 || w->overflowed;
}

bool xs_watch_take(struct xs_watch *w, char *path, size_t size)
{
	if (w->count == 0) {
		if (!w->overflowed)
			return false;
		/* Events were lost: "something changed". */
		w->overflowed = false;
		if (size)
			path[0] = 0;
		return true;
	}
	const char *e = w->events[w->head];
	if (size) {
		size_t n = strnlen(e, size - 1);
		memcpy(path, e, n);
		path[n] = 0;
	}
	w->head = (w->head + 1) % XS_WATCH_QUEUE;
	w->count--;
	return true;
}

int xs_watch_wait(struct xs_watch *w, platform_time deadline)
{
	int r = xs_init();
	if (r != XS_OK)
		return r;
	for (;;) {
		receive();
		if (xs.broken)
			return XS_EPROTO;
		if (w->count > 0 || w->overflowed)
			return XS_OK;
		if (platform_clock_monotonic() >= deadline)
			return XS_ETIMEDOUT;
		xen_event_wait(xs.port, deadline);
	}
}

/* ------------------------------------------------------- transactions */

int xs_transaction_start(uint32_t *tx)
{
	struct xs_part parts[] = {{"", 1}};
	int r = request(XS_TRANSACTION_START, 0, parts, 1, NULL);
	if (r != XS_OK)
		return r;
	if (xs_msg_tx_id(kiln_view_make(xs.reply_data, xs.reply.len), tx) !=
	    XS_OK) {
		xs_logf("xenstore: a malformed transaction id from the daemon");
		return XS_EPROTO;
	}
	return XS_OK;
}

int xs_transaction_end(uint32_t tx, bool commit)
{
	struct xs_part parts[] = {{commit ? "T" : "F", 2}};
	return request(XS_TRANSACTION_END, tx, parts, 1, NULL);
}

int xs_transact(int (*body)(uint32_t tx, void *ctx), void *ctx)
{
	for (unsigned i = 0; i < XS_TX_TRIES; i++) {
		uint32_t tx;
		int r = xs_transaction_start(&tx);
		if (r != XS_OK)
			return r;
		r = body(tx, ctx);
		if (r != XS_OK) {
			xs_transaction_end(tx, false);
			return r;
		}
		r = xs_transaction_end(tx, true);
		if (r != XS_EAGAIN)
			return r;
		xs.counters.tx_retries++;
	}
	xs_logf("xenstore: a transaction met EAGAIN %u times; giving up",
	        XS_TX_TRIES);
	return XS_EAGAIN;
}

#ifdef KILN_FUZZ
void xs_reset(void)
{
	memset(&xs, 0, sizeof(xs));
}
#endif
