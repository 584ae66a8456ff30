/*
 * fake_xen.c - a fake Xen and its other domains, in-process (see
 * fake_xen.h). Host code: the C library is the host's.
 */
#include "fake_xen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

platform_time fake_now;
struct fake_xs_knobs fake_xs;
unsigned long fake_xs_requests;
bool fake_evtchn_alloc_fails;

static void oom(void)
{
	fprintf(stderr, "fake_xen: out of memory\n");
	abort();
}

static char *dup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		oom();
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

/* ----------------------------------------------------------------- log */

#define LOG_LINES 512
static char *log_lines[LOG_LINES];
static unsigned log_count;

void xen_log(const char *msg)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FAKE_XEN_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "  kiln: xen: %s\n", msg);
	if (log_count < LOG_LINES)
		log_lines[log_count++] = dup(msg, strlen(msg));
}

bool fake_log_has(const char *needle)
{
	return fake_log_count(needle) > 0;
}

unsigned fake_log_count(const char *needle)
{
	unsigned n = 0;
	for (unsigned i = 0; i < log_count; i++)
		n += strstr(log_lines[i], needle) != NULL;
	return n;
}

unsigned fake_log_lines(void)
{
	return log_count;
}

void fake_log_clear(void)
{
	for (unsigned i = 0; i < log_count; i++)
		free(log_lines[i]);
	log_count = 0;
}

/* --------------------------------------------------------------- clock */

platform_time platform_clock_monotonic(void)
{
	fake_now += 1000;
	return fake_now;
}

/* ------------------------------------------------------ event channels */

#define PORTS 64
static struct {
	bool used;
	bool pending; /* for the guest */
	domid_t remote;
	unsigned notifies;
} ports[PORTS];

void xen_evtchn_notify(evtchn_port_t port)
{
	if (port < PORTS)
		ports[port].notifies++;
}

int xen_evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	if (fake_evtchn_alloc_fails)
		return -28; /* -ENOSPC */
	for (evtchn_port_t p = 10; p < PORTS; p++) {
		if (!ports[p].used) {
			ports[p].used = true;
			ports[p].pending = false;
			ports[p].remote = remote;
			ports[p].notifies = 0;
			*port = p;
			return 0;
		}
	}
	return -28;
}

void xen_evtchn_close(evtchn_port_t port)
{
	if (port < PORTS) {
		ports[port].used = false;
		ports[port].pending = false;
	}
}

bool xen_event_take(evtchn_port_t port)
{
	if (port >= PORTS || !ports[port].pending)
		return false;
	ports[port].pending = false;
	return true;
}

bool xen_event_wait(evtchn_port_t port, platform_time deadline)
{
	fake_xen_run();
	if (xen_event_take(port))
		return true;
	if (deadline == PLATFORM_TIME_NEVER) {
		xen_log("fake_xen: a wait without deadline");
		return false;
	}
	if (fake_now < deadline)
		fake_now = deadline;
	return false;
}

unsigned fake_notifies(evtchn_port_t port)
{
	return port < PORTS ? ports[port].notifies : 0;
}

bool fake_port_open(evtchn_port_t port)
{
	return port < PORTS && ports[port].used;
}

void fake_send_event(evtchn_port_t port)
{
	if (port < PORTS && (ports[port].used || port == FAKE_STORE_PORT))
		ports[port].pending = true;
}

/* -------------------------------------------------------------- grants */

#define GRANTS 4096
static struct {
	bool used;
	bool readonly;
	domid_t domid;
	void *page;
	unsigned maps;
} grants[GRANTS];
static unsigned grant_violations, grant_misuse;

int xen_grant(domid_t domid, const void *page, bool readonly, grant_ref_t *ref)
{
	if ((uintptr_t)page & (XEN_PAGE_SIZE - 1)) {
		grant_violations++;
		grant_misuse++;
		return -1;
	}
	static grant_ref_t hint = 8;
	for (unsigned k = 0; k < GRANTS - 8; k++) {
		grant_ref_t r = 8 + (hint - 8 + k) % (GRANTS - 8);
		if (!grants[r].used) {
			hint = r + 1 < GRANTS ? r + 1 : 8;
			grants[r].used = true;
			grants[r].readonly = readonly;
			grants[r].domid = domid;
			grants[r].page = (void *)(uintptr_t)page;
			grants[r].maps = 0;
			*ref = r;
			return 0;
		}
	}
	return -1;
}

int xen_grant_end(grant_ref_t ref)
{
	if (ref >= GRANTS || !grants[ref].used) {
		grant_violations++;
		grant_misuse++;
		return -1;
	}
	if (grants[ref].maps > 0)
		return -1;
	grants[ref].used = false;
	return 0;
}

void *fake_grant_map(grant_ref_t ref, domid_t by, bool write)
{
	if (ref >= GRANTS || !grants[ref].used || grants[ref].domid != by ||
	    (write && grants[ref].readonly)) {
		grant_violations++;
		return NULL;
	}
	grants[ref].maps++;
	return grants[ref].page;
}

void fake_grant_unmap(grant_ref_t ref)
{
	if (ref < GRANTS && grants[ref].maps > 0)
		grants[ref].maps--;
}

unsigned fake_grants_in_use(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < GRANTS; i++)
		n += grants[i].used;
	return n;
}

unsigned fake_grant_violations(void)
{
	return grant_violations;
}

unsigned fake_grant_misuse(void)
{
	return grant_misuse;
}

/* ------------------------------------------------------------- devices */

static struct {
	bool used;
	evtchn_port_t port;
	bool (*has_input)(void *ctx);
	void *ctx;
} regs[PLATFORM_MAX_DEVICES];
static unsigned next_handle;

platform_handle xen_device_handle(void)
{
	return next_handle < PLATFORM_MAX_DEVICES ? next_handle++
	                                          : PLATFORM_MAX_DEVICES;
}

void xen_device_register(platform_handle h, evtchn_port_t port,
                         bool (*has_input)(void *ctx), void *ctx)
{
	if (h >= PLATFORM_MAX_DEVICES)
		return;
	regs[h].used = true;
	regs[h].port = port;
	regs[h].has_input = has_input;
	regs[h].ctx = ctx;
}

platform_device_set fake_yield(void)
{
	fake_xen_run();
	platform_device_set ready = 0;
	for (unsigned h = 0; h < next_handle; h++) {
		if (!regs[h].used)
			continue;
		bool ev = xen_event_take(regs[h].port);
		if (ev || (regs[h].has_input && regs[h].has_input(regs[h].ctx)))
			ready |= 1ull << h;
	}
	return ready;
}

struct xencons_interface *xen_console_ring(void)
{
	return NULL;
}

evtchn_port_t xen_console_port(void)
{
	return 0;
}

/* ------------------------------------------------------- xenstore tree */

struct node {
	char *path, *value;
};
static struct node *nodes;
static size_t node_count, node_cap;

static void absolute(char *out, size_t size, const char *path)
{
	if (path[0] == '/')
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "%s/%s", FAKE_HOME, path);
}

static struct node *find(const char *abs)
{
	for (size_t i = 0; i < node_count; i++)
		if (strcmp(nodes[i].path, abs) == 0)
			return &nodes[i];
	return NULL;
}

/* abs is prefix itself or below it. */
static bool under(const char *abs, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(abs, prefix, n) == 0 && (abs[n] == 0 || abs[n] == '/');
}

static void set_node(const char *abs, const char *value, size_t len)
{
	struct node *n = find(abs);
	if (n) {
		free(n->value);
		n->value = dup(value, len);
		return;
	}
	/* Parents first, as xenstored creates them. */
	char parent[512];
	snprintf(parent, sizeof(parent), "%s", abs);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (!find(parent))
			set_node(parent, "", 0);
	}
	if (node_count == node_cap) {
		node_cap = node_cap ? node_cap * 2 : 64;
		nodes = realloc(nodes, node_cap * sizeof(*nodes));
		if (!nodes)
			oom();
	}
	nodes[node_count].path = dup(abs, strlen(abs));
	nodes[node_count].value = dup(value, len);
	node_count++;
}

static void remove_nodes(const char *abs)
{
	for (size_t i = 0; i < node_count;) {
		if (under(nodes[i].path, abs)) {
			free(nodes[i].path);
			free(nodes[i].value);
			nodes[i] = nodes[--node_count];
		} else {
			i++;
		}
	}
}

/* ----------------------------------------------------- xenstore daemon */

struct watch {
	char path[512]; /* absolute */
	char token[128];
	bool relative;
};
#define WATCHES 64
static struct watch watches[WATCHES];
static unsigned watch_count;

struct txn {
	bool used;
	uint32_t id;
	unsigned count;
	char *path[64], *value[64];
};
static struct txn txns[8];
static uint32_t next_txn = 1;

static struct xenstore_domain_interface *ring_page;
static uint8_t req_buf[16 + XENSTORE_PAYLOAD_MAX + 64];
static size_t req_len;

struct queue {
	uint8_t *p;
	size_t len, cap;
};
static struct queue outq, heldq;

static void queue_put(struct queue *q, const void *p, size_t len)
{
	if (q->len + len > q->cap) {
		q->cap = (q->len + len) * 2;
		q->p = realloc(q->p, q->cap);
		if (!q->p)
			oom();
	}
	memcpy(q->p + q->len, p, len);
	q->len += len;
}

static void send_msg(struct queue *q, uint32_t type, uint32_t req_id,
                     uint32_t tx_id, const void *payload, size_t len)
{
	struct xsd_sockmsg h = {type, req_id, tx_id, (uint32_t)len};
	queue_put(q, &h, sizeof(h));
	queue_put(q, payload, len);
}

void fake_xs_send_raw(const void *bytes, size_t len)
{
	queue_put(&outq, bytes, len);
}

struct xenstore_domain_interface *fake_xs_ring(void)
{
	return ring_page;
}

struct xenstore_domain_interface *xen_store_ring(void)
{
	return fake_xs.no_ring ? NULL : ring_page;
}

evtchn_port_t xen_store_port(void)
{
	return FAKE_STORE_PORT;
}

static void fire_watches(const char *abs, bool removal)
{
	for (unsigned i = 0; i < watch_count; i++) {
		struct watch *w = &watches[i];
		if (!under(abs, w->path) && !(removal && under(w->path, abs)))
			continue;
		const char *shown = abs;
		size_t home = strlen(FAKE_HOME);
		if (w->relative && strncmp(abs, FAKE_HOME "/", home + 1) == 0)
			shown = abs + home + 1;
		uint8_t payload[1024];
		size_t a = strlen(shown) + 1, b = strlen(w->token) + 1;
		if (a + b > sizeof(payload))
			continue;
		memcpy(payload, shown, a);
		memcpy(payload + a, w->token, b);
		send_msg(&outq, XS_WATCH_EVENT, 0, 0, payload, a + b);
	}
}

static void backends_changed(const char *abs);

static void apply_write(const char *abs, const char *value, size_t len)
{
	set_node(abs, value, len);
	fire_watches(abs, false);
	backends_changed(abs);
}

void fake_xs_set(const char *path, const char *value)
{
	char abs[512];
	absolute(abs, sizeof(abs), path);
	apply_write(abs, value, strlen(value));
	fake_xen_run();
}

const char *fake_xs_get(const char *path)
{
	char abs[512];
	absolute(abs, sizeof(abs), path);
	struct node *n = find(abs);
	return n ? n->value : NULL;
}

void fake_xs_rm(const char *path)
{
	char abs[512];
	absolute(abs, sizeof(abs), path);
	remove_nodes(abs);
	fire_watches(abs, true);
	backends_changed(abs);
	fake_xen_run();
}

static struct txn *txn_find(uint32_t id)
{
	for (unsigned i = 0; i < 8; i++)
		if (txns[i].used && txns[i].id == id)
			return &txns[i];
	return NULL;
}

static void txn_free(struct txn *t)
{
	for (unsigned i = 0; i < t->count; i++) {
		free(t->path[i]);
		free(t->value[i]);
	}
	memset(t, 0, sizeof(*t));
}

/* The i-th NUL-terminated string of the payload, or NULL. */
static const char *payload_string(const uint8_t *p, size_t len, unsigned i)
{
	size_t at = 0;
	for (unsigned k = 0;; k++) {
		const uint8_t *nul = memchr(p + at, 0, len - at);
		if (!nul)
			return NULL;
		if (k == i)
			return (const char *)p + at;
		at = (size_t)(nul - p) + 1;
		if (at >= len)
			return NULL;
	}
}

static void reply(const struct xsd_sockmsg *h, uint32_t type,
                  const void *payload, size_t len)
{
	if (fake_xs.silent)
		return;
	struct queue *q = fake_xs.hold ? &heldq : &outq;
	if (fake_xs.wrong_type) {
		fake_xs.wrong_type = false;
		type = type == XS_DIRECTORY ? XS_READ : XS_DIRECTORY;
	}
	if (fake_xs.bad_error) {
		fake_xs.bad_error = false;
		send_msg(q, XS_ERROR, h->req_id, h->tx_id, "ENOENT", 6);
		return;
	}
	send_msg(q, type, h->req_id, h->tx_id, payload, len);
}

static void reply_error(const struct xsd_sockmsg *h, const char *name)
{
	reply(h, XS_ERROR, name, strlen(name) + 1);
}

static void reply_ok(const struct xsd_sockmsg *h)
{
	reply(h, h->type, "OK", 3);
}

static void do_read(const struct xsd_sockmsg *h, const char *abs)
{
	struct txn *t = h->tx_id ? txn_find(h->tx_id) : NULL;
	if (t) {
		for (unsigned i = t->count; i-- > 0;)
			if (strcmp(t->path[i], abs) == 0) {
				reply(h, XS_READ, t->value[i],
				      strlen(t->value[i]));
				return;
			}
	}
	struct node *n = find(abs);
	if (!n) {
		reply_error(h, "ENOENT");
		return;
	}
	reply(h, XS_READ, n->value, strlen(n->value));
}

static void do_directory(const struct xsd_sockmsg *h, const char *abs)
{
	if (!find(abs)) {
		reply_error(h, "ENOENT");
		return;
	}
	uint8_t out[XENSTORE_PAYLOAD_MAX];
	size_t len = 0, n = strlen(abs);
	for (size_t i = 0; i < node_count; i++) {
		const char *p = nodes[i].path;
		if (strncmp(p, abs, n) != 0 || p[n] != '/' ||
		    strchr(p + n + 1, '/'))
			continue;
		size_t k = strlen(p + n + 1) + 1;
		if (len + k > sizeof(out)) {
			reply_error(h, "E2BIG");
			return;
		}
		memcpy(out + len, p + n + 1, k);
		len += k;
	}
	reply(h, XS_DIRECTORY, out, len);
}

static void handle_request(const struct xsd_sockmsg *h, const uint8_t *p)
{
	char abs[512];
	const char *s0 = payload_string(p, h->len, 0);
	fake_xs_requests++;
	switch (h->type) {
	case XS_READ:
	case XS_DIRECTORY:
		if (!s0) {
			reply_error(h, "EINVAL");
			return;
		}
		absolute(abs, sizeof(abs), s0);
		if (h->type == XS_READ)
			do_read(h, abs);
		else
			do_directory(h, abs);
		return;
	case XS_WRITE: {
		if (!s0) {
			reply_error(h, "EINVAL");
			return;
		}
		absolute(abs, sizeof(abs), s0);
		size_t plen = strlen(s0) + 1;
		const char *value = (const char *)p + plen;
		size_t vlen = h->len - plen;
		if (h->tx_id) {
			struct txn *t = txn_find(h->tx_id);
			if (!t || t->count == 64) {
				reply_error(h, "ENOENT");
				return;
			}
			t->path[t->count] = dup(abs, strlen(abs));
			t->value[t->count] = dup(value, vlen);
			t->count++;
		} else {
			apply_write(abs, value, vlen);
		}
		reply_ok(h);
		return;
	}
	case XS_WATCH: {
		const char *token = payload_string(p, h->len, 1);
		if (!s0 || !token || watch_count == WATCHES) {
			reply_error(h, "EINVAL");
			return;
		}
		struct watch *w = &watches[watch_count++];
		absolute(w->path, sizeof(w->path), s0);
		snprintf(w->token, sizeof(w->token), "%s", token);
		w->relative = s0[0] != '/';
		reply_ok(h);
		/* The first event, at once. */
		uint8_t payload[1024];
		size_t a = strlen(s0) + 1, b = strlen(token) + 1;
		if (a + b <= sizeof(payload)) {
			memcpy(payload, s0, a);
			memcpy(payload + a, token, b);
			send_msg(&outq, XS_WATCH_EVENT, 0, 0, payload, a + b);
		}
		return;
	}
	case XS_UNWATCH: {
		const char *token = payload_string(p, h->len, 1);
		if (!s0 || !token) {
			reply_error(h, "EINVAL");
			return;
		}
		absolute(abs, sizeof(abs), s0);
		for (unsigned i = 0; i < watch_count; i++) {
			if (strcmp(watches[i].path, abs) == 0 &&
			    strcmp(watches[i].token, token) == 0) {
				watches[i] = watches[--watch_count];
				reply_ok(h);
				return;
			}
		}
		reply_error(h, "ENOENT");
		return;
	}
	case XS_TRANSACTION_START:
		for (unsigned i = 0; i < 8; i++) {
			if (!txns[i].used) {
				txns[i].used = true;
				txns[i].id = next_txn++;
				char id[16];
				int n = snprintf(id, sizeof(id), "%u",
				                 txns[i].id);
				reply(h, XS_TRANSACTION_START, id,
				      (size_t)n + 1);
				return;
			}
		}
		reply_error(h, "ENOSPC");
		return;
	case XS_TRANSACTION_END: {
		struct txn *t = txn_find(h->tx_id);
		if (!t || !s0) {
			reply_error(h, "ENOENT");
			return;
		}
		if (strcmp(s0, "T") == 0 && fake_xs.eagain > 0) {
			fake_xs.eagain--;
			txn_free(t);
			reply_error(h, "EAGAIN");
			return;
		}
		if (strcmp(s0, "T") == 0) {
			/* Copies: the writes may reach backends that write
			 * again. */
			struct txn done = *t;
			memset(t, 0, sizeof(*t));
			for (unsigned i = 0; i < done.count; i++)
				apply_write(done.path[i], done.value[i],
				            strlen(done.value[i]));
			txn_free(&done);
		} else {
			txn_free(t);
		}
		reply_ok(h);
		return;
	}
	default:
		reply_error(h, "EINVAL");
	}
}

/* One turn of the daemon: read requests, write replies. */
static bool daemon_run(void)
{
	struct xenstore_domain_interface *r = ring_page;
	bool progress = false;
	if (!fake_xs.stop_reading) {
		bool took = false;
		for (;;) {
			size_t want = 16;
			if (req_len >= 16) {
				struct xsd_sockmsg h;
				memcpy(&h, req_buf, sizeof(h));
				if (h.len > XENSTORE_PAYLOAD_MAX) {
					fprintf(stderr,
					        "fake_xen: the guest sent "
					        "a request longer than "
					        "allowed\n");
					abort();
				}
				want = 16 + h.len;
				if (req_len == want) {
					handle_request(&h, req_buf + 16);
					req_len = 0;
					continue;
				}
			}
			if (r->req_cons == r->req_prod)
				break;
			req_buf[req_len++] =
			        (uint8_t)r->req[MASK_XENSTORE_IDX(r->req_cons)];
			r->req_cons++;
			took = true;
		}
		if (took) {
			progress = true;
			fake_send_event(FAKE_STORE_PORT);
		}
	}
	if (!fake_xs.hold && heldq.len) {
		queue_put(&outq, heldq.p, heldq.len);
		heldq.len = 0;
	}
	size_t wrote = 0;
	while (outq.len > wrote &&
	       r->rsp_prod - r->rsp_cons < XENSTORE_RING_SIZE &&
	       (fake_xs.chunk == 0 || wrote < fake_xs.chunk)) {
		r->rsp[MASK_XENSTORE_IDX(r->rsp_prod)] = (char)outq.p[wrote++];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->rsp_prod++;
	}
	if (wrote) {
		memmove(outq.p, outq.p + wrote, outq.len - wrote);
		outq.len -= wrote;
		fake_send_event(FAKE_STORE_PORT);
		progress = true;
	}
	return progress;
}

/* ------------------------------------------------------------- netback */

static struct fake_vif *vifs;
static struct fake_vbd *vbds;

static int state_of(const char *dir)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/state", dir);
	struct node *n = find(p);
	return n ? atoi(n->value) : -1;
}

static const char *key_of(const char *dir, const char *key)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, key);
	struct node *n = find(p);
	return n ? n->value : NULL;
}

static void set_key(const char *dir, const char *key, const char *value)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, key);
	apply_write(p, value, strlen(value));
}

static void set_state(const char *dir, int state)
{
	char v[8];
	snprintf(v, sizeof(v), "%d", state);
	set_key(dir, "state", v);
}

struct fake_vif *fake_vif_add(unsigned index)
{
	struct fake_vif *v = calloc(1, sizeof(*v));
	if (!v)
		oom();
	v->index = index;
	snprintf(v->fe, sizeof(v->fe), FAKE_HOME "/device/vif/%u", index);
	snprintf(v->be, sizeof(v->be), "/local/domain/0/backend/vif/%d/%u",
	         FAKE_DOMID, index);
	v->next = vifs;
	vifs = v;
	char mac[24];
	snprintf(mac, sizeof(mac), "00:16:3e:00:00:%02x", index & 0xff);
	set_key(v->be, "frontend", v->fe);
	set_key(v->be, "frontend-id", "7");
	set_key(v->be, "online", "1");
	set_key(v->be, "mac", mac);
	set_key(v->be, "feature-rx-copy", "1");
	set_key(v->be, "feature-sg", "1");
	set_state(v->be, XenbusStateInitWait);
	set_key(v->fe, "backend", v->be);
	set_key(v->fe, "backend-id", "0");
	set_key(v->fe, "mac", mac);
	set_key(v->fe, "handle", "0");
	set_state(v->fe, XenbusStateInitialising);
	return v;
}

static void vif_disconnect(struct fake_vif *v)
{
	if (!v->connected)
		return;
	v->connected = false;
	if (!v->keep_mapped) {
		fake_grant_unmap(v->tx_ref);
		fake_grant_unmap(v->rx_ref);
	}
}

static void vif_connect(struct fake_vif *v)
{
	const char *tx = key_of(v->fe, "tx-ring-ref");
	const char *rx = key_of(v->fe, "rx-ring-ref");
	const char *ev = key_of(v->fe, "event-channel");
	const char *copy = key_of(v->fe, "request-rx-copy");
	if (!tx || !rx || !ev || !copy || strcmp(copy, "1") != 0) {
		xen_log("fake netback: frontend keys missing");
		set_state(v->be, XenbusStateClosing);
		return;
	}
	v->tx_ref = (grant_ref_t)atoi(tx);
	v->rx_ref = (grant_ref_t)atoi(rx);
	v->port = (evtchn_port_t)atoi(ev);
	void *txs = fake_grant_map(v->tx_ref, 0, true);
	void *rxs = fake_grant_map(v->rx_ref, 0, true);
	if (!txs || !rxs || !fake_port_open(v->port) ||
	    ports[v->port].remote != 0) {
		xen_log("fake netback: bad rings or event channel");
		if (txs)
			fake_grant_unmap(v->tx_ref);
		if (rxs)
			fake_grant_unmap(v->rx_ref);
		set_state(v->be, XenbusStateClosing);
		return;
	}
	BACK_RING_INIT(&v->tx, (netif_tx_sring_t *)txs, XEN_PAGE_SIZE);
	BACK_RING_INIT(&v->rx, (netif_rx_sring_t *)rxs, XEN_PAGE_SIZE);
	v->connected = true;
	v->connects++;
	set_state(v->be, XenbusStateConnected);
}

static void vif_changed(struct fake_vif *v)
{
	int fe = state_of(v->fe), be = state_of(v->be);
	switch (fe) {
	case XenbusStateConnected:
		if (!v->connected && be == XenbusStateInitWait &&
		    !v->no_connect)
			vif_connect(v);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		if (v->slow_close)
			break;
		vif_disconnect(v);
		if (be != XenbusStateClosed && be >= 0)
			set_state(v->be, XenbusStateClosed);
		break;
	case XenbusStateInitialising: {
		const char *online = key_of(v->be, "online");
		if (be == XenbusStateClosed && online &&
		    strcmp(online, "1") == 0)
			set_state(v->be, XenbusStateInitWait);
		break;
	}
	}
}

void fake_vif_inject(struct fake_vif *v, const void *frame, size_t len)
{
	if (v->in_count == FAKE_INQ || len > FAKE_FRAME_MAX)
		abort();
	struct fake_frame *f = &v->inq[(v->in_head + v->in_count) % FAKE_INQ];
	memcpy(f->data, frame, len);
	f->len = len;
	v->in_count++;
}

void fake_vif_close(struct fake_vif *v)
{
	set_state(v->be, XenbusStateClosing);
	fake_xen_run();
}

void fake_vif_finish_close(struct fake_vif *v)
{
	v->slow_close = false;
	vif_changed(v);
	fake_xen_run();
}

void fake_vif_remove(struct fake_vif *v)
{
	vif_disconnect(v);
	fake_xs_rm(v->be);
}

static void vif_notify(struct fake_vif *v, bool notify)
{
	if (notify)
		fake_send_event(v->port);
}

bool fake_vif_rx_raw(struct fake_vif *v, const struct netif_rx_response *rsp)
{
	if (!v->connected || v->rx.req_cons == v->rx.sring->req_prod)
		return false;
	v->rx.req_cons++;
	*RING_GET_RESPONSE(&v->rx, v->rx.rsp_prod_pvt) = *rsp;
	v->rx.rsp_prod_pvt++;
	return true;
}

void fake_vif_rx_push(struct fake_vif *v)
{
	bool notify;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->rx, notify);
	(void)notify;
	fake_send_event(v->port);
}

unsigned fake_vif_rx_posted(struct fake_vif *v)
{
	return v->connected ? v->rx.sring->req_prod - v->rx.req_cons : 0;
}

static bool vif_tx(struct fake_vif *v)
{
	bool progress = false;
	for (;;) {
		RING_IDX rp = v->tx.sring->req_prod;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		while (v->tx.req_cons != rp) {
			netif_tx_request_t req =
			        *RING_GET_REQUEST(&v->tx, v->tx.req_cons);
			v->tx.req_cons++;
			progress = true;
			int16_t status = NETIF_RSP_OKAY;
			uint8_t *page = fake_grant_map(req.gref, 0, false);
			if (!page || req.offset + req.size > XEN_PAGE_SIZE ||
			    (req.flags &
			     (NETTXF_more_data | NETTXF_extra_info)) ||
			    req.size < 14 || req.size > FAKE_FRAME_MAX) {
				v->tx_violations++;
				status = NETIF_RSP_ERROR;
			} else {
				if (v->sent_count == v->sent_cap) {
					v->sent_cap = v->sent_cap * 2 + 16;
					v->sent = realloc(
					        v->sent,
					        v->sent_cap * sizeof(*v->sent));
					if (!v->sent)
						oom();
				}
				struct fake_frame *f =
				        &v->sent[v->sent_count++];
				memcpy(f->data, page + req.offset, req.size);
				f->len = req.size;
			}
			if (page)
				fake_grant_unmap(req.gref);
			netif_tx_response_t *rsp =
			        RING_GET_RESPONSE(&v->tx, v->tx.rsp_prod_pvt);
			v->tx.rsp_prod_pvt++;
			rsp->id = req.id;
			rsp->status = status;
			switch (v->tx_mangle) {
			case TXM_BAD_ID:
				rsp->id = (uint16_t)(req.id + 1000);
				break;
			case TXM_STALE_ID:
				rsp->id = v->last_tx_id;
				break;
			case TXM_ERROR_STATUS:
				rsp->status = NETIF_RSP_ERROR;
				break;
			case TXM_NULL_STATUS:
				rsp->status = NETIF_RSP_NULL;
				break;
			default:
				break;
			}
			v->last_tx_id = req.id;
		}
		if (v->tx.rsp_prod_pvt != v->tx.sring->rsp_prod &&
		    v->tx.rsp_prod_pvt != v->tx.sring->rsp_prod - 1000) {
			bool notify;
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->tx, notify);
			vif_notify(v, notify);
			if (v->tx_mangle == TXM_PROD_AHEAD)
				v->tx.sring->rsp_prod =
				        v->tx.rsp_prod_pvt + 1000;
		}
		int more;
		RING_FINAL_CHECK_FOR_REQUESTS(&v->tx, more);
		if (!more)
			return progress;
	}
}

static bool vif_rx(struct fake_vif *v)
{
	bool progress = false;
	while (v->in_count > 0) {
		RING_IDX rp = v->rx.sring->req_prod;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (v->rx.req_cons == rp) {
			int more;
			RING_FINAL_CHECK_FOR_REQUESTS(&v->rx, more);
			if (!more)
				break;
			continue;
		}
		netif_rx_request_t req =
		        *RING_GET_REQUEST(&v->rx, v->rx.req_cons);
		v->rx.req_cons++;
		struct fake_frame *f = &v->inq[v->in_head];
		v->in_head = (v->in_head + 1) % FAKE_INQ;
		v->in_count--;
		netif_rx_response_t *rsp =
		        RING_GET_RESPONSE(&v->rx, v->rx.rsp_prod_pvt);
		v->rx.rsp_prod_pvt++;
		rsp->id = req.id;
		rsp->offset = v->rx_offset;
		rsp->flags = NETRXF_data_validated;
		uint8_t *page = fake_grant_map(req.gref, 0, true);
		if (!page || v->rx_offset + f->len > XEN_PAGE_SIZE) {
			rsp->status = NETIF_RSP_ERROR;
		} else {
			memcpy(page + v->rx_offset, f->data, f->len);
			rsp->status = (int16_t)f->len;
		}
		if (page)
			fake_grant_unmap(req.gref);
		progress = true;
	}
	if (progress) {
		bool notify;
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->rx, notify);
		vif_notify(v, notify);
	}
	return progress;
}

static bool vif_run(struct fake_vif *v)
{
	if (!v->connected || v->silent)
		return false;
	bool a = vif_tx(v);
	bool b = vif_rx(v);
	return a || b;
}

/* ------------------------------------------------------------- blkback */

struct fake_vbd *fake_vbd_add(unsigned vdev, uint64_t sectors)
{
	struct fake_vbd *v = calloc(1, sizeof(*v));
	if (!v)
		oom();
	v->vdev = vdev;
	v->sectors = sectors;
	v->sector_size = 512;
	v->flush = true;
	v->disk = calloc(sectors ? sectors : 1, 512);
	if (!v->disk)
		oom();
	snprintf(v->fe, sizeof(v->fe), FAKE_HOME "/device/vbd/%u", vdev);
	snprintf(v->be, sizeof(v->be), "/local/domain/0/backend/vbd/%d/%u",
	         FAKE_DOMID, vdev);
	v->next = vbds;
	vbds = v;
	char id[16];
	snprintf(id, sizeof(id), "%u", vdev);
	set_key(v->be, "frontend", v->fe);
	set_key(v->be, "frontend-id", "7");
	set_key(v->be, "online", "1");
	set_key(v->be, "mode", "w");
	set_state(v->be, XenbusStateInitWait);
	set_key(v->fe, "backend", v->be);
	set_key(v->fe, "backend-id", "0");
	set_key(v->fe, "virtual-device", id);
	set_state(v->fe, XenbusStateInitialising);
	return v;
}

static void vbd_connect(struct fake_vbd *v)
{
	const char *ref = key_of(v->fe, "ring-ref");
	const char *ev = key_of(v->fe, "event-channel");
	const char *proto = key_of(v->fe, "protocol");
	if (!ref || !ev || !proto || strcmp(proto, XEN_IO_PROTO_ABI_X86_64)) {
		xen_log("fake blkback: frontend keys missing or wrong");
		set_state(v->be, XenbusStateClosing);
		return;
	}
	v->ring_ref = (grant_ref_t)atoi(ref);
	v->port = (evtchn_port_t)atoi(ev);
	void *s = fake_grant_map(v->ring_ref, 0, true);
	if (!s || !fake_port_open(v->port)) {
		if (s)
			fake_grant_unmap(v->ring_ref);
		set_state(v->be, XenbusStateClosing);
		return;
	}
	BACK_RING_INIT(&v->ring, (blkif_sring_t *)s, XEN_PAGE_SIZE);
	char num[32];
	if (!v->no_sectors) {
		snprintf(num, sizeof(num), "%llu",
		         (unsigned long long)v->sectors);
		set_key(v->be, "sectors", num);
	}
	snprintf(num, sizeof(num), "%u", v->sector_size);
	set_key(v->be, "sector-size", num);
	set_key(v->be, "info", v->readonly ? "4" : "0");
	if (v->flush)
		set_key(v->be, "feature-flush-cache", "1");
	if (v->barrier)
		set_key(v->be, "feature-barrier", "1");
	v->connected = true;
	set_state(v->be, XenbusStateConnected);
}

static void vbd_changed(struct fake_vbd *v)
{
	int fe = state_of(v->fe), be = state_of(v->be);
	switch (fe) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (!v->connected && be == XenbusStateInitWait)
			vbd_connect(v);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		if (v->connected)
			fake_grant_unmap(v->ring_ref);
		v->connected = false;
		if (be != XenbusStateClosed && be >= 0)
			set_state(v->be, XenbusStateClosed);
		break;
	}
}

static int16_t vbd_io(struct fake_vbd *v, const blkif_request_t *req)
{
	bool write = req->operation == BLKIF_OP_WRITE;
	if (req->nr_segments == 0 ||
	    req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		v->violations++;
		return BLKIF_RSP_ERROR;
	}
	if (write && v->readonly)
		return BLKIF_RSP_ERROR;
	uint64_t sector = req->sector_number;
	uint64_t per = v->sector_size / 512;
	if (sector % per) {
		v->violations++;
		return BLKIF_RSP_ERROR;
	}
	for (unsigned i = 0; i < req->nr_segments; i++) {
		const struct blkif_request_segment *s = &req->seg[i];
		unsigned n = (unsigned)s->last_sect - s->first_sect + 1u;
		if (s->first_sect > s->last_sect || s->last_sect > 7 ||
		    n % per || sector + n > v->sectors) {
			v->violations++;
			return BLKIF_RSP_ERROR;
		}
		uint8_t *page = fake_grant_map(s->gref, 0, !write);
		if (!page) {
			v->violations++;
			return BLKIF_RSP_ERROR;
		}
		uint8_t *disk = v->disk + sector * 512;
		uint8_t *mem = page + s->first_sect * 512u;
		if (write)
			memcpy(disk, mem, n * 512u);
		else
			memcpy(mem, disk, n * 512u);
		fake_grant_unmap(s->gref);
		sector += n;
		v->segments++;
	}
	if (write)
		v->writes++;
	else
		v->reads++;
	return BLKIF_RSP_OKAY;
}

static bool vbd_run(struct fake_vbd *v)
{
	if (!v->connected || v->mangle == BM_SILENT)
		return false;
	if (v->hook) {
		RING_IDX before = v->ring.req_cons;
		if (v->hook(v, v->hook_ctx))
			return v->ring.req_cons != before;
	}
	bool progress = false;
	for (;;) {
		RING_IDX rp = v->ring.sring->req_prod;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		unsigned batch = 0;
		while (v->ring.req_cons != rp) {
			blkif_request_t req =
			        *RING_GET_REQUEST(&v->ring, v->ring.req_cons);
			v->ring.req_cons++;
			batch++;
			v->requests++;
			int16_t status;
			switch (req.operation) {
			case BLKIF_OP_READ:
			case BLKIF_OP_WRITE:
				status = vbd_io(v, &req);
				break;
			case BLKIF_OP_FLUSH_DISKCACHE:
				status = v->flush ? BLKIF_RSP_OKAY
				                  : BLKIF_RSP_EOPNOTSUPP;
				v->flushes += v->flush;
				break;
			case BLKIF_OP_WRITE_BARRIER:
				status = v->barrier ? BLKIF_RSP_OKAY
				                    : BLKIF_RSP_EOPNOTSUPP;
				v->barriers += v->barrier;
				break;
			default:
				v->violations++;
				status = BLKIF_RSP_ERROR;
			}
			blkif_response_t *rsp = RING_GET_RESPONSE(
			        &v->ring, v->ring.rsp_prod_pvt);
			v->ring.rsp_prod_pvt++;
			rsp->id = req.id;
			rsp->operation = req.operation;
			rsp->status = status;
			if (v->mangle == BM_BAD_ID)
				rsp->id = req.id + 1000;
			else if (v->mangle == BM_STALE_ID)
				rsp->id = (req.id + 1) % 32;
			else if (v->mangle == BM_BAD_OP)
				rsp->operation = 77;
			else if (v->mangle == BM_ERROR)
				rsp->status = BLKIF_RSP_ERROR;
		}
		if (batch > v->max_batch)
			v->max_batch = batch;
		if (batch) {
			progress = true;
			bool notify;
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&v->ring, notify);
			if (notify)
				fake_send_event(v->port);
			if (v->mangle == BM_PROD_AHEAD)
				v->ring.sring->rsp_prod += 100;
		}
		int more;
		RING_FINAL_CHECK_FOR_REQUESTS(&v->ring, more);
		if (!more)
			return progress;
	}
}

/* ---------------------------------------------------------- scheduling */

static void backends_changed(const char *abs)
{
	static int depth;
	if (depth > 8)
		return;
	depth++;
	for (struct fake_vif *v = vifs; v; v = v->next)
		if (under(abs, v->fe) || under(v->fe, abs))
			vif_changed(v);
	for (struct fake_vbd *v = vbds; v; v = v->next)
		if (under(abs, v->fe) || under(v->fe, abs))
			vbd_changed(v);
	depth--;
}

void fake_xen_run(void)
{
	for (unsigned round = 0; round < 1000; round++) {
		bool progress = false;
		if (ring_page)
			progress |= daemon_run();
		for (struct fake_vif *v = vifs; v; v = v->next)
			progress |= vif_run(v);
		for (struct fake_vbd *v = vbds; v; v = v->next)
			progress |= vbd_run(v);
		if (!progress)
			return;
	}
}

void fake_xen_reset(void)
{
	while (vifs) {
		struct fake_vif *v = vifs;
		vifs = v->next;
		free(v->sent);
		free(v);
	}
	while (vbds) {
		struct fake_vbd *v = vbds;
		vbds = v->next;
		free(v->disk);
		free(v);
	}
	for (size_t i = 0; i < node_count; i++) {
		free(nodes[i].path);
		free(nodes[i].value);
	}
	free(nodes);
	nodes = NULL;
	node_count = node_cap = 0;
	watch_count = 0;
	for (unsigned i = 0; i < 8; i++)
		txn_free(&txns[i]);
	next_txn = 1;
	free(outq.p);
	free(heldq.p);
	memset(&outq, 0, sizeof(outq));
	memset(&heldq, 0, sizeof(heldq));
	req_len = 0;
	if (!ring_page) {
		ring_page = aligned_alloc(XEN_PAGE_SIZE, XEN_PAGE_SIZE);
		if (!ring_page)
			oom();
	}
	memset(ring_page, 0, XEN_PAGE_SIZE);
	memset(&fake_xs, 0, sizeof(fake_xs));
	fake_xs_requests = 0;
	fake_evtchn_alloc_fails = false;
	memset(ports, 0, sizeof(ports));
	ports[FAKE_STORE_PORT].used = true;
	memset(grants, 0, sizeof(grants));
	grant_violations = grant_misuse = 0;
	memset(regs, 0, sizeof(regs));
	next_handle = 0;
	fake_log_clear();
	fake_now = 1000000000;
	set_node(FAKE_HOME, "", 0);
	set_node(FAKE_HOME "/name", "kiln-test", 9);
	set_node("/local/domain/0/backend", "", 0);
}
