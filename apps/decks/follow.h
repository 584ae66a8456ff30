/*
 * apps/decks/follow.h - live-follow: the presenter's slide, pushed to
 * every audience browser that follows the deck (follow.c).
 */
#ifndef DECKS_FOLLOW_H
#define DECKS_FOLLOW_H

#include <kiln/assets.h>
#include <kiln/http.h>
#include <stdint.h>

/* What the followers did (never reset). */
struct follow_stats {
	unsigned followers; /* event streams open now */
	unsigned peak;      /* the most open at once */
	uint64_t changes;   /* slide changes the presenter posted */
	uint64_t events;    /* slide events written to followers */
	uint64_t coalesced; /* changes a follower skipped (it was slow) */
	uint64_t refused;   /* followers beyond the bound (503) */
	uint64_t bad_key;   /* posts with a wrong or missing key (403) */
	uint64_t ended;     /* streams that ended (the client left,
	                       or took nothing for the send timeout) */
};

/*
 * Claim the boot arguments (--follow-max=N followers at once, 4096 by
 * default; --follow-heartbeat=SECS, 15) and add the routes to cfg:
 *   GET  /follow/{deck}/events        a text/event-stream of the deck's
 *                                     slide ("event: slide", data
 *                                     {"h":H,"v":V,"f":F,"seq":N})
 *   POST /follow/{deck}/slide?h=H&v=V&f=F
 *                                     with "Authorization: Bearer KEY"
 * A deck is a folder of assets with an index.html. The key is drawn at
 * start (kiln_random) and written to key (33 bytes: 32 hex digits and
 * a NUL) for the app to print. Returns false (having said why) on a bad
 * argument or without memory for the routes.
 */
bool follow_setup(struct http_config *cfg,
                  const struct kiln_asset_table *assets, char key[33]);

void follow_get_stats(struct follow_stats *st);

#endif
