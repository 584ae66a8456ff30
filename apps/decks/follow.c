/*
 * apps/decks/follow.c - live-follow over Server-Sent Events.
 *
 * The presenter's page (a deck opened with ?presenter=KEY, see
 * site/follow.js) posts each slide change; every browser following the
 * deck (opened with ?follow) holds one event stream open and moves to the
 * slide it is told.
 *
 * Each follower is a route handler on its fiber, parked on its deck's
 * wait queue between changes. A change updates the deck's state (one
 * per deck: the slide and a sequence number) and wakes them all; each
 * writes the state as it is when it gets to run. So a follower never
 * holds a queue of changes: one that is slow to read is parked in
 * http_stream_write by the server's back-pressure (TCP's send ring is
 * full), and when it gets room it sends the newest slide only, skipping
 * the ones in between. What a follower costs is bounded: its fiber, its
 * connection and TCP's send ring; one that takes nothing for the
 * server's send timeout is dropped. A heartbeat comment every
 * --follow-heartbeat seconds finds the followers that went away.
 * --follow-max bounds how many are held at once (then 503).
 */
#include "follow.h"

#include <kiln/rt.h>
#include <stdio.h>
#include <string.h>

#define MAX_DECKS 16
#define DECK_NAME_MAX 32
/* A slide index: reveal.js's h, v and fragment f (-1: none). */
#define INDEX_MAX 9999

struct deck {
	char name[DECK_NAME_MAX + 1];
	uint64_t seq; /* changes so far; 0: none yet */
	int h, v, f;
	struct kiln_waitq wq; /* its followers, between changes */
};

static struct deck decks[MAX_DECKS];
static unsigned ndecks;
static const struct kiln_asset_table *table;
static char presenter_key[33];
static uint64_t max_followers = 4096, heartbeat_secs = 15;
static struct follow_stats stats;

/* The deck called name: a folder of assets with an index.html; NULL if
 * there is none. */
static struct deck *deck_find(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > DECK_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return NULL;
	}
	for (unsigned i = 0; i < ndecks; i++)
		if (!strcmp(decks[i].name, name))
			return &decks[i];
	char path[DECK_NAME_MAX + 16];
	int k = snprintf(path, sizeof path, "/%s/index.html", name);
	if (!table || !kiln_asset_find(table, path, (size_t)k) ||
	    ndecks == MAX_DECKS)
		return NULL;
	struct deck *d = &decks[ndecks++];
	memcpy(d->name, name, n + 1);
	kiln_waitq_init(&d->wq);
	return d;
}

static struct deck *deck_of(struct http_exchange *x)
{
	char name[DECK_NAME_MAX + 1];
	if (!http_param(x, "deck", name, sizeof name))
		return NULL;
	return deck_find(name);
}

/* ------------------------------------------------------- followers */

static int events(struct http_exchange *x, void *arg)
{
	(void)arg;
	struct deck *d = deck_of(x);
	if (!d)
		return http_reply_status(x, 404);
	if (stats.followers >= max_followers) {
		stats.refused++;
		http_add_header(x, "Retry-After: 5");
		return http_reply_status(x, 503);
	}
	http_add_header(x, "Cache-Control: no-store");
	int e = http_stream_begin(x, 200, "text/event-stream", -1);
	/* A failed head: returning 0 lets the server reset the connection
	 * (it knows the stream broke) without logging a handler error. */
	if (e || http_method(x) == HTTP_HEAD)
		return 0;
	if (++stats.followers > stats.peak)
		stats.peak = stats.followers;
	/* EventSource reconnects after a second if the stream breaks. */
	static const char hello[] = "retry: 1000\n: following\n\n";
	e = http_stream_write(x, hello, sizeof hello - 1);
	uint64_t sent = 0;
	while (!e) {
		if (d->seq != sent) {
			char ev[160];
			uint64_t seq = d->seq;
			int n = snprintf(ev, sizeof ev,
			                 "id: %llu\nevent: slide\ndata: "
			                 "{\"h\":%d,\"v\":%d,\"f\":%d,"
			                 "\"seq\":%llu}\n\n",
			                 (unsigned long long)seq, d->h, d->v,
			                 d->f, (unsigned long long)seq);
			if (sent && seq - sent > 1)
				stats.coalesced += seq - sent - 1;
			sent = seq;
			/* May park while the client's ring is full; the newest
			 * state is looked at again afterwards. */
			e = http_stream_write(x, ev, (size_t)n);
			if (!e)
				stats.events++;
			continue;
		}
		kiln_time until =
		        kiln_now() + KILN_SEC((kiln_time)heartbeat_secs);
		if (kiln_waitq_wait(&d->wq, until) == -KILN_ETIMEDOUT &&
		    d->seq == sent) {
			static const char beat[] = ":\n\n";
			e = http_stream_write(x, beat, sizeof beat - 1);
		}
	}
	stats.followers--;
	stats.ended++;
	stats.coalesced += d->seq - sent; /* the changes it never got */
	return 0; /* the stream broke (the client left): as above */
}

/* ------------------------------------------------------- presenter */

/* "Bearer KEY" with the right key; the key is compared in constant
 * time. */
static bool key_ok(struct http_exchange *x)
{
	char auth[96];
	if (!http_header(x, "authorization", auth, sizeof auth) ||
	    strncmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) != 32)
		return false;
	unsigned diff = 0;
	for (size_t i = 0; i < 32; i++)
		diff |= (unsigned)(auth[7 + i] ^ presenter_key[i]);
	return diff == 0;
}

/* A query parameter that is a decimal in [lo, INDEX_MAX]. */
static bool index_arg(struct http_exchange *x, const char *name, int lo,
                      int *out)
{
	char v[8];
	if (!http_query(x, name, v, sizeof v))
		return false;
	const char *p = v;
	bool neg = *p == '-';
	if (neg)
		p++;
	if (*p == '\0' || strlen(p) > 4)
		return false;
	int n = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (*p - '0');
	}
	if (neg)
		n = -n;
	if (n < lo || n > INDEX_MAX)
		return false;
	*out = n;
	return true;
}

static int slide(struct http_exchange *x, void *arg)
{
	(void)arg;
	struct deck *d = deck_of(x);
	if (!d)
		return http_reply_status(x, 404);
	if (!key_ok(x)) {
		stats.bad_key++;
		KILN_WARN("decks", "slide change for %s refused: wrong key",
		          d->name);
		return http_reply_status(x, 403);
	}
	int h, v, f;
	if (!index_arg(x, "h", 0, &h) || !index_arg(x, "v", 0, &v) ||
	    !index_arg(x, "f", -1, &f))
		return http_reply_status(x, 400);
	d->h = h;
	d->v = v;
	d->f = f;
	d->seq++;
	stats.changes++;
	kiln_waitq_wake_all(&d->wq);
	char out[48];
	int n = snprintf(out, sizeof out, "{\"seq\":%llu}\n",
	                 (unsigned long long)d->seq);
	http_add_header(x, "Cache-Control: no-store");
	return http_reply(x, 200, "application/json", out, (size_t)n);
}

/* ------------------------------------------------------------ setup */

bool follow_setup(struct http_config *cfg,
                  const struct kiln_asset_table *assets, char key[33])
{
	if (!kiln_arg_uint("--follow-max", 1, 1000000, &max_followers) ||
	    !kiln_arg_uint("--follow-heartbeat", 1, 3600, &heartbeat_secs))
		return false;
	table = assets;
	uint8_t raw[16];
	kiln_random(raw, sizeof raw);
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(presenter_key + 2 * i, 3, "%02x", raw[i]);
	memcpy(key, presenter_key, 33);
	if (http_route(cfg, HTTP_GET, "/follow/{deck}/events", events, NULL) ||
	    http_route(cfg, HTTP_POST, "/follow/{deck}/slide", slide, NULL)) {
		kiln_printf("decks: no memory for the follow routes\n");
		return false;
	}
	return true;
}

void follow_get_stats(struct follow_stats *st)
{
	*st = stats;
}
