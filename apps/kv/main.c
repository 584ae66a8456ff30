/*
 * kv - a key-value service on lib/store, over TCP, one line per request:
 *   PUT KEY VALUE    -> "OK"       (durable when answered)
 *   GET KEY          -> "VALUE v"  or "NOTFOUND"
 *   DEL KEY          -> "OK"
 *   STATS            -> "keys N log N half N commits N compactions N"
 * Anything else -> "ERR ...". Keys are one word (at most 255 bytes),
 * values the rest of the line (at most 4000 bytes).
 *
 * Boot arguments: --port=N (7070), --format (format a blank device), and
 * the network's. The device is blk0 (kiln run --block FILE).
 */
#include <kiln/net.h>
#include <kiln/rt.h>
#include <kiln/store.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 4400

static struct store *db;

static void reply(struct tcp_conn *c, const char *s, size_t n)
{
	tcp_write(c, s, n, kiln_now() + KILN_SEC(10));
}

/* One request; out is the connection's own reply buffer. */
static void handle(struct tcp_conn *c, char *line, size_t len,
                   char out[LINE_MAX_LEN])
{
	char *sp = memchr(line, ' ', len);
	size_t vl = 0;
	size_t cl = sp ? (size_t)(sp - line) : len;
	char *key = sp ? sp + 1 : NULL;
	size_t kl = key ? len - cl - 1 : 0;
	char *val = key ? memchr(key, ' ', kl) : NULL;
	if (val) {
		vl = kl - (size_t)(val - key) - 1;
		kl = (size_t)(val - key);
		val++;
	}
	int err = 0;
	if (cl == 3 && !memcmp(line, "PUT", 3) && key && val) {
		err = store_put(db, key, kl, val, vl);
	} else if (cl == 3 && !memcmp(line, "DEL", 3) && key && !val) {
		err = store_delete(db, key, kl);
	} else if (cl == 3 && !memcmp(line, "GET", 3) && key && !val) {
		long n = store_get(db, key, kl, out + 6, LINE_MAX_LEN - 7);
		if (n == -KILN_ENOENT) {
			reply(c, "NOTFOUND\n", 9);
			return;
		}
		if (n >= 0 && (size_t)n <= LINE_MAX_LEN - 7) {
			memcpy(out, "VALUE ", 6);
			out[6 + n] = '\n';
			reply(c, out, (size_t)n + 7);
			return;
		}
		err = n < 0 ? (int)n : -KILN_EMSGSIZE;
	} else if (cl == 5 && !memcmp(line, "STATS", 5) && !key) {
		struct store_stats st;
		store_get_stats(db, &st);
		int n = snprintf(out, LINE_MAX_LEN,
		                 "keys %llu log %llu half %llu commits %llu "
		                 "compactions %llu\n",
		                 (unsigned long long)st.keys,
		                 (unsigned long long)st.log_bytes,
		                 (unsigned long long)st.half_bytes,
		                 (unsigned long long)st.commits,
		                 (unsigned long long)st.compactions);
		reply(c, out, (size_t)n);
		return;
	} else {
		reply(c, "ERR bad request\n", 16);
		return;
	}
	if (err) {
		int n = snprintf(out, LINE_MAX_LEN, "ERR %s\n",
		                 err == -STORE_ENOSPC ? "disk full"
		                                      : kiln_strerror(err));
		reply(c, out, (size_t)n);
	} else {
		reply(c, "OK\n", 3);
	}
}

static void conn_fiber(void *arg)
{
	struct tcp_conn *c = arg;
	char *line = malloc(2 * LINE_MAX_LEN);
	size_t have = 0;
	if (!line) {
		tcp_abort(c);
		return;
	}
	for (;;) {
		long n = tcp_read(c, line + have, LINE_MAX_LEN - have,
		                  kiln_now() + KILN_SEC(60));
		if (n <= 0)
			break;
		have += (size_t)n;
		char *nl;
		while ((nl = memchr(line, '\n', have))) {
			size_t len = (size_t)(nl - line);
			if (len && line[len - 1] == '\r')
				len--;
			handle(c, line, len, line + LINE_MAX_LEN);
			size_t used = (size_t)(nl - line) + 1;
			memmove(line, nl + 1, have - used);
			have -= used;
		}
		if (have == LINE_MAX_LEN) {
			reply(c, "ERR line too long\n", 18);
			break;
		}
	}
	tcp_close(c);
	free(line);
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t port = 7070;
	if (!kiln_arg_uint("--port", 1, 65535, &port))
		return 2;
	bool format = kiln_arg_flag("--format");
	if (tcp_configure_from_args() != 0)
		return 2;
	int err = net_start(NULL, kiln_now() + KILN_SEC(60));
	kiln_args_check();
	if (err) {
		kiln_printf("kv: network: %s\n", kiln_strerror(err));
		return 1;
	}
	struct store_config cfg = {.format_if_blank = format};
	struct store_recovery rec;
	db = store_open(&cfg, &rec, &err);
	if (!db) {
		kiln_printf("kv: store: %s%s\n", kiln_strerror(err),
		            err == -KILN_EINVAL ? " (a blank device? --format)"
		                                : "");
		return 1;
	}
	kiln_printf(
	        "kv: store: %llu keys from %llu commits%s%s\n",
	        (unsigned long long)rec.keys, (unsigned long long)rec.commits,
	        rec.formatted ? " (formatted)" : "",
	        rec.bad_record ? "; stopped at a torn or damaged record" : "");
	struct tcp_listener *l = tcp_listen(0, (uint16_t)port, 16, &err);
	if (!l) {
		kiln_printf("kv: port %u: %s\n", (unsigned)port,
		            kiln_strerror(err));
		return 1;
	}
	kiln_printf("kv: serving on port %u\n", (unsigned)port);
	for (;;) {
		struct tcp_conn *c = tcp_accept(l, KILN_NEVER, &err);
		if (c && !kiln_fiber_spawn("kv-conn", conn_fiber, c, 0))
			tcp_abort(c);
	}
}
