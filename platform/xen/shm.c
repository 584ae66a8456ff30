/*
 * shm.c - platform_shm_* (kiln/platform.h) on Xen, for lib/vchan: grant
 * tables, event channels and xenstore, as libxenvchan uses them.
 *
 * Offering (a vchan server): the pages come from the heap, each granted
 * to the peer domain read-write; an unbound event channel is allocated
 * for it. Publishing writes, in one transaction, PATH/ring-ref (the first
 * page's grant) and PATH/event-channel, readable by the peer only.
 * Finding (a client): read those two keys, bind the event channel
 * (EVTCHNOP_bind_interdomain) and map the grant; mapping more pages maps
 * their grants in turn. Grants of another domain are mapped by the
 * supervisor into slots of guest-physical memory above RAM
 * (XEN_SHM_BASE), which it maps for CPL 3; a run of slots holds a ring's
 * pages contiguously.
 *
 * PATH: a port that starts with '/' is used as it is (vchan-socket-proxy
 * and libxenvchan take a full path); any other port P names
 * /local/domain/SERVER/data/vchan/CLIENT/P, the place Qubes and the Xen
 * tools use, from the domain ids of the server and the client.
 *
 * The peer is gone when the event channel it bound closes: the port then
 * becomes unbound (or closed) again. Xen sends no event for that, so
 * platform_shm_peer_gone asks (EVTCHNOP_status), at most every
 * GONE_EVERY_NS per channel. Pages the peer still maps when the offer
 * closes cannot be reused: they wait (with their grants) until a later
 * close or offer finds the grants ended.
 */
#include "kernel.h"
#include "xen.h"
#include "xenstore.h"

#include <kiln/platform.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANNELS 16
#define MAPS 4 /* runs of slots per found offer: first page, two rings */
#define GONE_EVERY_NS 200000000ll
#define PATH_MAX_LEN 160
#define ZOMBIES 16

struct chan {
	bool used, offered, published;
	domid_t peer;
	evtchn_port_t port;
	/* offered */
	void *pages;
	unsigned npages;
	grant_ref_t *refs;
	char path[PATH_MAX_LEN];
	/* found: runs of mapped slots */
	struct {
		unsigned first, n;
	} map[MAPS];
	unsigned nmap;
	/* the peer's end of the event channel */
	bool was_bound, gone;
	platform_time checked;
};

static struct chan chans[CHANNELS];
static platform_handle handle_of[CHANNELS];
static bool have_handle[CHANNELS];
static uint64_t slots_used[XEN_SHM_SLOTS / 64];

/* Offers whose pages the peer still mapped at close. */
static struct {
	void *pages;
	grant_ref_t *refs;
	unsigned n;
} zombies[ZOMBIES];

/* ------------------------------------------------------------- helpers */

static bool parse_domid(const char *s, domid_t *out)
{
	unsigned long v = 0;
	if (!s || !*s || strlen(s) > 5)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v >= DOMID_FIRST_RESERVED || (s[0] == '0' && s[1]))
		return false;
	*out = (domid_t)v;
	return true;
}

/* This domain's id (xenstore's "domid"), once. */
static bool self_id(domid_t *out)
{
	static domid_t self;
	static bool known;
	if (!known) {
		uint64_t v;
		if (xs_read_uint(0, "domid", DOMID_FIRST_RESERVED - 1, &v) !=
		    XS_OK)
			return false;
		self = (domid_t)v;
		known = true;
	}
	*out = self;
	return true;
}

/* The xenstore directory of a port: see the top of the file. */
static bool port_path(const char *port, domid_t server, domid_t client,
                      char *out)
{
	size_t n = strlen(port);
	if (n == 0 || n > PLATFORM_SHM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = port[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		          c == '.' || (port[0] == '/' && c == '/');
		if (!ok)
			return false;
	}
	if (port[0] == '/')
		return snprintf(out, PATH_MAX_LEN, "%s", port) < PATH_MAX_LEN;
	return snprintf(out, PATH_MAX_LEN, "/local/domain/%u/data/vchan/%u/%s",
	                server, client, port) < PATH_MAX_LEN;
}

static int chan_of(platform_handle h)
{
	for (unsigned i = 0; i < CHANNELS; i++)
		if (chans[i].used && have_handle[i] && handle_of[i] == h)
			return (int)i;
	return -1;
}

/* A free channel, with a device handle of its own (kept for reuse). */
static int chan_alloc(void)
{
	for (unsigned i = 0; i < CHANNELS; i++) {
		if (chans[i].used)
			continue;
		if (!have_handle[i]) {
			platform_handle h = xen_device_handle();
			if (h >= PLATFORM_MAX_DEVICES)
				return -1;
			handle_of[i] = h;
			have_handle[i] = true;
		}
		memset(&chans[i], 0, sizeof(chans[i]));
		chans[i].used = true;
		return (int)i;
	}
	return -1;
}

static bool slot_busy(unsigned s)
{
	return slots_used[s / 64] >> (s % 64) & 1;
}

/* n free slots in a row: the first, or -1. */
static int slots_alloc(unsigned n)
{
	unsigned run = 0;
	for (unsigned s = 0; s < XEN_SHM_SLOTS; s++) {
		run = slot_busy(s) ? 0 : run + 1;
		if (run == n) {
			unsigned first = s + 1 - n;
			for (unsigned k = first; k <= s; k++)
				slots_used[k / 64] |= 1ull << (k % 64);
			return (int)first;
		}
	}
	return -1;
}

static void slots_unmap(unsigned first, unsigned n)
{
	for (unsigned s = first; s < first + n; s++) {
		supervisor_call(SYS_XEN_GRANT_UNMAP, s, 0);
		slots_used[s / 64] &= ~(1ull << (s % 64));
	}
}

/* Map n grants of domain peer into a run of slots: its address, or NULL
 * (nothing left mapped). */
static void *map_grants(struct chan *c, const uint32_t *refs, unsigned n)
{
	if (c->nmap == MAPS)
		return NULL;
	int first = slots_alloc(n);
	if (first < 0)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		if (supervisor_call3(SYS_XEN_GRANT_MAP, c->peer, refs[i],
		                     (unsigned)first + i) != 0) {
			slots_unmap((unsigned)first, i);
			for (unsigned k = i; k < n; k++) {
				unsigned s = (unsigned)first + k;
				slots_used[s / 64] &= ~(1ull << (s % 64));
			}
			return NULL;
		}
	}
	c->map[c->nmap].first = (unsigned)first;
	c->map[c->nmap].n = n;
	c->nmap++;
	return (void *)(uintptr_t)(XEN_SHM_BASE +
	                           (uint64_t)first * XEN_PAGE_SIZE);
}

/* End the grants of pages; false if the peer still maps one (then none
 * of them may be reused yet). */
static bool end_grants(grant_ref_t *refs, unsigned n)
{
	bool all = true;
	for (unsigned i = 0; i < n; i++) {
		if (refs[i] == 0)
			continue;
		if (xen_grant_end(refs[i]) == 0)
			refs[i] = 0;
		else
			all = false;
	}
	return all;
}

/* Try again to free the pages of offers the peer still mapped. */
static void reap_zombies(void)
{
	for (unsigned i = 0; i < ZOMBIES; i++) {
		if (!zombies[i].pages ||
		    !end_grants(zombies[i].refs, zombies[i].n))
			continue;
		free(zombies[i].pages);
		free(zombies[i].refs);
		zombies[i].pages = NULL;
	}
}

/* ----------------------------------------------------------- offering */

enum platform_result platform_shm_offer(const char *peer, unsigned pages,
                                        platform_handle *h, void **mem,
                                        uint32_t *refs)
{
	domid_t d;
	if (pages == 0 || pages > PLATFORM_SHM_MAX_PAGES)
		return PLATFORM_EINVAL;
	if (!parse_domid(peer, &d))
		return PLATFORM_ENOENT;
	reap_zombies();
	int ci = chan_alloc();
	if (ci < 0)
		return PLATFORM_EUNSPEC;
	struct chan *c = &chans[ci];
	c->offered = true;
	c->peer = d;
	c->npages = pages;
	c->pages = aligned_alloc(XEN_PAGE_SIZE, (size_t)pages * XEN_PAGE_SIZE);
	c->refs = calloc(pages, sizeof(grant_ref_t));
	if (!c->pages || !c->refs ||
	    xen_evtchn_alloc_unbound(d, &c->port) != 0) {
		free(c->pages);
		free(c->refs);
		c->used = false;
		return PLATFORM_EUNSPEC;
	}
	memset(c->pages, 0, (size_t)pages * XEN_PAGE_SIZE);
	for (unsigned i = 0; i < pages; i++) {
		if (xen_grant(d,
		              (uint8_t *)c->pages + (size_t)i * XEN_PAGE_SIZE,
		              false, &c->refs[i]) != 0) {
			end_grants(c->refs, i);
			xen_evtchn_close(c->port);
			free(c->pages);
			free(c->refs);
			c->used = false;
			return PLATFORM_EUNSPEC;
		}
		refs[i] = c->refs[i];
	}
	xen_device_register(handle_of[ci], c->port, NULL, NULL);
	*h = handle_of[ci];
	*mem = c->pages;
	return PLATFORM_OK;
}

struct publish_ctx {
	const struct chan *c;
	const char *perms[2];
};

static int publish_body(uint32_t tx, void *arg)
{
	struct publish_ctx *p = arg;
	char key[PATH_MAX_LEN + 16];
	char num[16];
	int r;
	snprintf(key, sizeof(key), "%s/ring-ref", p->c->path);
	snprintf(num, sizeof(num), "%u", (unsigned)p->c->refs[0]);
	if ((r = xs_write(tx, key, num)) != XS_OK ||
	    (r = xs_set_perms(tx, key, p->perms, 2)) != XS_OK)
		return r;
	snprintf(key, sizeof(key), "%s/event-channel", p->c->path);
	snprintf(num, sizeof(num), "%u", (unsigned)p->c->port);
	if ((r = xs_write(tx, key, num)) != XS_OK ||
	    (r = xs_set_perms(tx, key, p->perms, 2)) != XS_OK)
		return r;
	return XS_OK;
}

enum platform_result platform_shm_publish(platform_handle h, const char *port)
{
	int ci = chan_of(h);
	domid_t self;
	if (ci < 0 || !chans[ci].offered || chans[ci].published)
		return PLATFORM_EINVAL;
	struct chan *c = &chans[ci];
	if (!self_id(&self))
		return PLATFORM_EUNSPEC;
	if (!port_path(port, self, c->peer, c->path))
		return PLATFORM_EINVAL;
	/* Ours, nobody else's but the peer's to read (as libxenvchan sets
	 * them). */
	char owner[8], reader[8];
	snprintf(owner, sizeof(owner), "n%u", self);
	snprintf(reader, sizeof(reader), "r%u", c->peer);
	struct publish_ctx p = {c, {owner, reader}};
	int r = xs_transact(publish_body, &p);
	if (r != XS_OK) {
		xs_logf("vchan: cannot publish %s in xenstore (%s)", c->path,
		        xs_strerror(r));
		return PLATFORM_EUNSPEC;
	}
	c->published = true;
	return PLATFORM_OK;
}

/* ------------------------------------------------------------ finding */

enum platform_result platform_shm_find(const char *peer, const char *port,
                                       platform_handle *h, void **first)
{
	domid_t d, self;
	char path[PATH_MAX_LEN], key[PATH_MAX_LEN + 16];
	uint64_t ref, evt;
	if (!parse_domid(peer, &d))
		return PLATFORM_ENOENT;
	if (!self_id(&self))
		return PLATFORM_EUNSPEC;
	if (!port_path(port, d, self, path))
		return PLATFORM_EINVAL;
	snprintf(key, sizeof(key), "%s/ring-ref", path);
	int r = xs_read_uint(0, key, UINT32_MAX, &ref);
	if (r == XS_OK) {
		snprintf(key, sizeof(key), "%s/event-channel", path);
		r = xs_read_uint(0, key, XEN_EVENT_WORDS * 64 - 1, &evt);
	}
	if (r == XS_ENOENT || r == XS_EACCES)
		return PLATFORM_AGAIN; /* not (yet) published for us */
	if (r != XS_OK || ref == 0 || evt == 0)
		return PLATFORM_EUNSPEC; /* a value that is no number */
	int ci = chan_alloc();
	if (ci < 0)
		return PLATFORM_EUNSPEC;
	struct chan *c = &chans[ci];
	c->peer = d;
	/* As libxenvchan's client: the event channel, then the page. */
	int64_t lp = supervisor_call(SYS_XEN_EVTCHN_BIND, d, evt);
	if (lp < 0) {
		c->used = false;
		return PLATFORM_EUNSPEC; /* e.g. a server that went away */
	}
	c->port = (evtchn_port_t)lp;
	uint32_t r32 = (uint32_t)ref;
	void *page = map_grants(c, &r32, 1);
	if (!page) {
		xen_evtchn_close(c->port);
		c->used = false;
		return PLATFORM_EUNSPEC;
	}
	c->was_bound = true;
	xen_device_register(handle_of[ci], c->port, NULL, NULL);
	*h = handle_of[ci];
	*first = page;
	return PLATFORM_OK;
}

enum platform_result platform_shm_map(platform_handle h, const uint32_t *refs,
                                      unsigned n, void **mem)
{
	int ci = chan_of(h);
	if (ci < 0 || chans[ci].offered || n == 0 || n > PLATFORM_SHM_MAX_PAGES)
		return PLATFORM_EINVAL;
	void *p = map_grants(&chans[ci], refs, n);
	if (!p)
		return PLATFORM_EINVAL;
	*mem = p;
	return PLATFORM_OK;
}

/* --------------------------------------------------------------- both */

void platform_shm_notify(platform_handle h)
{
	int ci = chan_of(h);
	if (ci >= 0)
		xen_evtchn_notify(chans[ci].port);
}

bool platform_shm_peer_gone(platform_handle h)
{
	int ci = chan_of(h);
	if (ci < 0)
		return true;
	struct chan *c = &chans[ci];
	platform_time now = platform_clock_monotonic();
	if (c->gone || now - c->checked < GONE_EVERY_NS)
		return c->gone;
	c->checked = now;
	int64_t st = supervisor_call(SYS_XEN_EVTCHN_STATUS, c->port, 0);
	unsigned status = st < 0 ? EVTCHNSTAT_closed : (unsigned)(st & 0xffff);
	if (status == EVTCHNSTAT_interdomain)
		c->was_bound = true;
	/* A server's port is unbound until its client binds it; once bound,
	 * unbound (or closed) again means the client's end is gone. */
	c->gone = status == EVTCHNSTAT_closed ||
	          (status == EVTCHNSTAT_unbound && c->was_bound) ||
	          (status != EVTCHNSTAT_unbound &&
	           status != EVTCHNSTAT_interdomain);
	return c->gone;
}

void platform_shm_close(platform_handle h)
{
	int ci = chan_of(h);
	if (ci < 0)
		return;
	struct chan *c = &chans[ci];
	xen_device_register(handle_of[ci], 0, NULL, NULL);
	if (c->offered) {
		if (c->published)
			xs_rm(0, c->path);
		if (end_grants(c->refs, c->npages)) {
			free(c->pages);
			free(c->refs);
		} else {
			unsigned z = 0;
			while (z < ZOMBIES && zombies[z].pages)
				z++;
			if (z < ZOMBIES) {
				zombies[z].pages = c->pages;
				zombies[z].refs = c->refs;
				zombies[z].n = c->npages;
			} /* else: leaked, never reused (safe) */
		}
	} else {
		for (unsigned i = 0; i < c->nmap; i++)
			slots_unmap(c->map[i].first, c->map[i].n);
	}
	xen_evtchn_close(c->port);
	c->used = false;
	reap_zombies();
}
