/*
 * lib/http/route.c - the route table and matching a path against it,
 * without I/O (see "routes" in include/kiln/http.h).
 */
#include <kiln/http.h>
#include <stdlib.h>
#include <string.h>

struct http_route {
	struct http_route *next;
	enum http_method method; /* HTTP_UNKNOWN: any */
	char *pattern;
	http_handler fn;
	void *arg;
	const struct kiln_asset_table *assets; /* an asset route's table */
	/* Precedence: exact patterns (2) before {param} ones (1) before
	 * prefixes (0); among prefixes the longer first. */
	int rank;
	size_t len;
};

/* Outranks: is a tried before b? */
static bool outranks(const struct http_route *a, const struct http_route *b)
{
	if (a->rank != b->rank)
		return a->rank > b->rank;
	return a->rank == 0 && a->len > b->len;
}

/* A pattern is "/" then segments of path bytes, "{name}" segments, and
 * at most one "*" as its last segment. */
static bool pattern_ok(const char *p)
{
	if (p[0] != '/')
		return false;
	unsigned params = 0;
	const char *seg = p + 1;
	for (;;) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		if (n == 1 && seg[0] == '*' && end)
			return false; /* '*' only last */
		if (n > 0 && seg[0] == '{') {
			if (n < 3 || seg[n - 1] != '}' ||
			    ++params > HTTP_MAX_PARAMS)
				return false;
		} else {
			for (size_t i = 0; i < n; i++)
				if (seg[i] == '{' || seg[i] == '}' ||
				    seg[i] == '%' || (seg[i] == '*' && n != 1))
					return false;
		}
		if (!end)
			return true;
		seg = end + 1;
	}
}

static int add_route(struct http_config *cfg, enum http_method method,
                     const char *pattern, http_handler fn, void *arg,
                     const struct kiln_asset_table *assets)
{
	if (!pattern || (!fn && !assets) || !pattern_ok(pattern))
		return -KILN_EINVAL;
	struct http_route *r = calloc(1, sizeof *r);
	size_t n = strlen(pattern);
	char *copy = malloc(n + 1);
	if (!r || !copy) {
		free(r);
		free(copy);
		return -KILN_ENOMEM;
	}
	memcpy(copy, pattern, n + 1);
	r->method = method;
	r->pattern = copy;
	r->fn = fn;
	r->arg = arg;
	r->assets = assets;
	r->len = n;
	r->rank = n >= 1 && pattern[n - 1] == '*' ? 0
	          : strchr(pattern, '{')          ? 1
	                                          : 2;
	/* Kept sorted by precedence, in the order added among equals. */
	struct http_route **at = &cfg->routes;
	while (*at && !outranks(r, *at))
		at = &(*at)->next;
	r->next = *at;
	*at = r;
	return 0;
}

int http_route(struct http_config *cfg, enum http_method method,
               const char *pattern, http_handler fn, void *arg)
{
	return add_route(cfg, method, pattern, fn, arg, NULL);
}

int http_route_assets(struct http_config *cfg, const char *pattern,
                      const struct kiln_asset_table *table)
{
	if (!table)
		return -KILN_EINVAL;
	/* No handler function: the session answers an asset route itself,
	 * without a fiber (a fiber that found one would serve it with
	 * http_reply_asset). */
	return add_route(cfg, HTTP_GET, pattern, NULL, NULL, table);
}

const struct kiln_asset_table *
http_route_asset_table(const struct http_route *r)
{
	return r->assets;
}

/* Does path match pattern? Captures {name} segments into m. */
static bool match_one(const char *pat, const char *path, size_t len,
                      struct http_match *m)
{
	size_t i = 0; /* into path */
	m->nparams = 0;
	while (*pat) {
		if (pat[0] == '*' && pat[1] == '\0')
			return true; /* everything below: the '/' matched */
		if (pat[0] == '{') {
			const char *close = strchr(pat, '}');
			size_t start = i;
			while (i < len && path[i] != '/')
				i++;
			if (i == start)
				return false; /* an empty segment */
			unsigned k = m->nparams++;
			m->param_name[k] = pat + 1;
			m->param_name_len[k] = (size_t)(close - pat - 1);
			m->param[k] = kiln_view_make(path + start, i - start);
			pat = close + 1;
			continue;
		}
		if (i >= len || path[i] != *pat)
			return false;
		i++;
		pat++;
	}
	return i == len;
}

static bool method_ok(enum http_method want, enum http_method m)
{
	return want == HTTP_UNKNOWN || want == m ||
	       (want == HTTP_GET && m == HTTP_HEAD);
}

void http_route_match(const struct http_route *routes, enum http_method m,
                      const char *path, size_t len, struct http_match *out)
{
	struct http_match tmp;
	memset(out, 0, sizeof *out);
	for (const struct http_route *r = routes; r; r = r->next) {
		if (!match_one(r->pattern, path, len, &tmp))
			continue;
		if (r->method == HTTP_UNKNOWN)
			out->allow |= ~1u;
		else
			out->allow |= 1u << r->method;
		if (r->method == HTTP_GET)
			out->allow |= 1u << HTTP_HEAD;
		if (!out->route && method_ok(r->method, m)) {
			unsigned allow = out->allow;
			*out = tmp;
			out->allow = allow;
			out->route = r;
		}
	}
}

void http_allow_format(unsigned allow, char *out, size_t cap)
{
	static const char *names[] = {"",      "GET",    "HEAD",    "POST",
	                              "PUT",   "DELETE", "CONNECT", "OPTIONS",
	                              "TRACE", "PATCH"};
	size_t n = 0;
	out[0] = '\0';
	for (unsigned i = 1; i < sizeof names / sizeof names[0]; i++) {
		if (!(allow & (1u << i)))
			continue;
		size_t k = strlen(names[i]);
		if (n + k + 3 > cap)
			break;
		if (n) {
			memcpy(out + n, ", ", 2);
			n += 2;
		}
		memcpy(out + n, names[i], k);
		n += k;
		out[n] = '\0';
	}
}

int http_route_call(const struct http_route *r, struct http_exchange *x)
{
	return r->fn(x, r->arg);
}

const char *http_route_pattern(const struct http_route *r)
{
	return r->pattern;
}
