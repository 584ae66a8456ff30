/*
 * http-notes - notes kept in memory, within a budget:
 *   POST   /notes         the body (any bytes, up to --note-max) becomes
 *                         a note: 201 {"id":N,"bytes":B}
 *   GET    /notes/{id}    the note's bytes (application/octet-stream)
 *   DELETE /notes/{id}    {"deleted":N}
 *   GET    /notes         {"notes":N,"bytes":B,"budget":M} as JSON
 *   GET    /metrics       the server's figures for Prometheus
 * Past --budget bytes of notes in all, a post is answered 507 (the
 * memory budget is the app's, not the heap's: the heap never runs out).
 *
 * Boot arguments: --note-max=BYTES (65536), --budget=BYTES (4194304),
 * and those of http_app_init (include/kiln/http.h).
 */
#include <kiln/http.h>
#include <kiln/rt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NOTES 1024

struct note {
	unsigned id; /* 0: a free slot */
	size_t len;
	uint8_t *data;
};

static struct http_app app;
static struct note notes[MAX_NOTES];
static unsigned next_id = 1, count;
static uint64_t note_max = 65536, budget = 4194304, used;

static struct note *find(struct http_exchange *x)
{
	char v[16];
	if (!http_param(x, "id", v, sizeof v))
		return NULL;
	char *end;
	unsigned long id = strtoul(v, &end, 10);
	for (unsigned i = 0; *end == '\0' && id && i < MAX_NOTES; i++)
		if (notes[i].id == id)
			return &notes[i];
	return NULL;
}

static int post_note(struct http_exchange *x, void *arg)
{
	(void)arg;
	int64_t len = http_body_length(x); /* -1: chunked, length unknown */
	size_t cap = len >= 0 ? (size_t)len : (size_t)note_max;
	if (len > (int64_t)note_max)
		return http_reply_status(x, 413);
	if (used + cap > budget || count == MAX_NOTES)
		return http_reply_status(x, 507);
	struct note *n = NULL;
	for (unsigned i = 0; !n && i < MAX_NOTES; i++)
		if (!notes[i].id)
			n = &notes[i];
	uint8_t *buf = malloc(cap ? cap : 1);
	if (!buf)
		return http_reply_status(x, 503);
	size_t got = 0;
	for (;;) {
		long r = http_body_read(x, buf + got, cap - got);
		if (r == 0 && got == cap && len < 0) {
			/* A chunked body as long as the bound: one byte more
			 * would be too long. */
			uint8_t more;
			r = http_body_read(x, &more, 1);
			if (r > 0)
				r = -KILN_EMSGSIZE;
		}
		if (r < 0) {
			free(buf);
			return r == -KILN_EMSGSIZE ? http_reply_status(x, 413)
			                           : (int)r;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	/* May have parked while reading: the budget is checked again. */
	if (n->id || used + got > budget) {
		free(buf);
		return http_reply_status(x, 507);
	}
	*n = (struct note){.id = next_id++, .len = got, .data = buf};
	used += got;
	count++;
	char out[64];
	int k = snprintf(out, sizeof out, "{\"id\":%u,\"bytes\":%zu}\n", n->id,
	                 got);
	return http_reply(x, 201, "application/json", out, (size_t)k);
}

static int get_note(struct http_exchange *x, void *arg)
{
	(void)arg;
	struct note *n = find(x);
	if (!n)
		return http_reply_status(x, 404);
	return http_reply(x, 200, "application/octet-stream", n->data, n->len);
}

static int delete_note(struct http_exchange *x, void *arg)
{
	(void)arg;
	struct note *n = find(x);
	if (!n)
		return http_reply_status(x, 404);
	char out[32];
	int k = snprintf(out, sizeof out, "{\"deleted\":%u}\n", n->id);
	free(n->data);
	used -= n->len;
	count--;
	*n = (struct note){0};
	return http_reply(x, 200, "application/json", out, (size_t)k);
}

static int summary(struct http_exchange *x, void *arg)
{
	(void)arg;
	char out[96];
	int k = snprintf(out, sizeof out,
	                 "{\"notes\":%u,\"bytes\":%llu,\"budget\":%llu}\n",
	                 count, (unsigned long long)used,
	                 (unsigned long long)budget);
	return http_reply(x, 200, "application/json", out, (size_t)k);
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int st = http_app_init(&app, "http-notes", NULL);
	if (st)
		return st;
	if (!kiln_arg_uint("--note-max", 1, 16777216, &note_max) ||
	    !kiln_arg_uint("--budget", 1, UINT64_MAX, &budget))
		return 2;
	app.config.max_body = note_max;
	http_route(&app.config, HTTP_POST, "/notes", post_note, NULL);
	http_route(&app.config, HTTP_GET, "/notes", summary, NULL);
	http_route(&app.config, HTTP_GET, "/notes/{id}", get_note, NULL);
	http_route(&app.config, HTTP_DELETE, "/notes/{id}", delete_note, NULL);
	http_route_metrics(&app.config, "/metrics");
	return http_app_run(&app);
}
