/*
 * kiln/http.h - an HTTP/1.1 server for compiled-in assets, and a small
 * client (RFC 9110, RFC 9112).
 *
 * The protocol lives in a sans-I/O core: a session takes the bytes a
 * connection received and hands back response bytes; it never touches a
 * socket or a clock (times are passed in). The socket glue (http_serve,
 * http_get) is a thin loop around it over kiln/net.h. Tests drive the core
 * directly.
 *
 * What the server does (and where it chooses among what the RFCs allow):
 * - Requests go to routes (see "routes"): an app's handlers, and asset
 *   routes, which serve the assets of a struct kiln_asset_table: GET and
 *   HEAD; a path that names a folder with an index.html but lacks the
 *   trailing slash gets a 301 to the path with the slash (relative links
 *   then resolve). A path no route matches: 404.
 * - A method no route of the path has: 405 with an Allow field listing
 *   those it has ("GET, HEAD" for assets); unknown methods: 501.
 * - Request bodies framed by Content-Length that no handler reads are
 *   dropped, up to max_discard_body bytes (413 and close beyond).
 *   Transfer-Encoding on a request that no handler reads (chunked bodies)
 *   is answered 501 and the connection closed.
 * - Malformed requests (request line, header syntax, obs-fold, bare CR or
 *   LF, NUL, bad or conflicting Content-Length, Transfer-Encoding with
 *   Content-Length, HTTP/1.1 without exactly one Host) get 400; too long a
 *   request line 414; too large or too many header fields 431; a version
 *   other than 1.0 and 1.1 505. Every 4xx/5xx caused by the request's
 *   framing closes the connection; 404, 405, 416 and 304 do not. A request
 *   line that cannot start a request (HTTP/0.9's "GET /") is answered as
 *   soon as it ends.
 * - Targets: origin-form, and absolute-form with http or https (RFC 9112
 *   3.2.2; its authority then stands in for a missing Host). The path is
 *   %-decoded, its dot segments removed (RFC 3986 5.2.4) and runs of
 *   slashes merged, as nginx does; a ".." above the root is a 400.
 * - Fields that are lists (If-None-Match, Accept-Encoding, Connection,
 *   Content-Length) are read across all their lines, as if combined (RFC
 *   9110 5.3); a second Range, If-Range or If-Modified-Since makes that
 *   field invalid and it is ignored.
 * - Persistent connections: HTTP/1.1 unless "Connection: close"; HTTP/1.0
 *   only with "Connection: keep-alive". Pipelined requests are answered in
 *   order, one at a time.
 * - ETag (strong, per variant) with If-None-Match, and Last-Modified (the
 *   table's build time) with If-Modified-Since: 304.
 * - One byte range (bytes=a-b, a-, -n) of GET: 206 with Content-Range;
 *   unsatisfiable: 416 with "Content-Range: bytes STAR/len" (STAR being
 *   '*'). Several ranges: the whole representation with 200 (allowed by
 *   RFC 9110 14.2). A range request is served from the identity bytes;
 *   If-Range with a non-matching ETag or date gives the whole 200.
 * - Accept-Encoding with q-values: gzip (or x-gzip, or '*') with q > 0
 *   selects the precompressed variant (Content-Encoding: gzip); q=0
 *   refuses it. Every response for an asset that has a variant carries
 *   "Vary: Accept-Encoding".
 * - Timeouts: the head of a request must arrive within header_timeout of
 *   its first byte (or of the connection's start), else 408 and close; a
 *   keep-alive connection idle for idle_timeout between requests is closed
 *   without a response (a 408 there could be mistaken by a client for the
 *   answer to a request it is sending at that moment); a response the
 *   client takes no byte of for send_timeout is dropped (reset).
 * - At most max_conns connections at once: see "server" below for how
 *   the idle and the slow make room, and for lingering close.
 */
#ifndef KILN_HTTP_H
#define KILN_HTTP_H

#include <kiln/assets.h>
#include <kiln/rt.h>
#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ config */

/* Room for a request's head (request line and header fields). The limits
 * of struct http_config must fit in it. */
#define HTTP_HEAD_MAX 49152

struct http_route;

struct http_config {
	struct http_route *routes; /* http_route(), http_route_assets() */
	uint64_t max_body;         /* request bodies a handler reads (1 MiB) */
	size_t max_request_line;   /* longer: 414 (default 8192) */
	size_t max_header_bytes;   /* header fields, total: 431 (32768) */
	unsigned max_headers;      /* field lines: 431 (256) */
	uint64_t max_discard_body; /* request bodies dropped up to (64 KiB) */
	/* Timeouts, as nginx's defaults: client_header_timeout,
	 * keepalive_timeout, send_timeout, lingering_timeout and
	 * lingering_time. */
	kiln_time header_timeout; /* a request's head must arrive (60 s) */
	kiln_time idle_timeout;   /* keep-alive between requests (75 s) */
	kiln_time send_timeout;   /* a response stalls at most (60 s) */
	kiln_time linger_timeout; /* lingering close: without input (5 s) */
	kiln_time linger_time;    /* lingering close: in all (30 s) */
	/* Open connections: 0 means what the heap holds (one per 5 KiB of
	 * it when the server starts: 13107 in 64 MiB). */
	unsigned max_conns;
	bool access_log; /* a log line per request (on) */
	/* HTTPS: when the image carries TLS credentials (kiln build --tls:
	 * lib/tls, docs/tls.md), http_serve also serves HTTPS on this port
	 * (443), the same routes and assets. */
	uint16_t https_port;
};

/* Defaults as above, without routes; assets non-NULL adds the asset
 * route http_route_assets(cfg, "/STAR", assets) (STAR being '*'). */
void http_config_default(struct http_config *cfg,
                         const struct kiln_asset_table *assets);

/*
 * Claim the server's boot arguments and apply them to cfg:
 *   --http-log=on|off  --http-max-conns=N  --http-idle-timeout=SECS
 *   --http-header-timeout=SECS  --http-send-timeout=SECS
 *   --http-linger-timeout=SECS  --http-linger-time=SECS  --https-port=N
 * Returns false (having said why) when one is malformed.
 */
bool http_config_from_args(struct http_config *cfg);

/* ------------------------------------------------------ requests */

enum http_method {
	HTTP_UNKNOWN = 0,
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_CONNECT,
	HTTP_OPTIONS,
	HTTP_TRACE,
	HTTP_PATCH
};

/* Fields of struct http_request that appeared on more than one line
 * (req->repeated): each may appear once, so a second line makes the
 * field invalid and it is ignored as RFC 9110 allows (If-Range then
 * fails, so a Range is served whole). */
#define HTTP_REPEATED_RANGE 1u
#define HTTP_REPEATED_IF_RANGE 2u
#define HTTP_REPEATED_IF_MODIFIED_SINCE 4u

/* A parsed request head. The views point into the buffer that was
 * parsed; a header field that was absent is an empty view with p NULL.
 * For the list fields (If-None-Match, Accept-Encoding) the view is the
 * first line's value; http_fields_next_element() reads every line. */
struct http_request {
	enum http_method method;
	struct kiln_view method_name;
	struct kiln_view target;    /* as sent */
	struct kiln_view path;      /* target without query, still %-encoded */
	struct kiln_view authority; /* of an absolute-form target */
	bool absolute_form;         /* "http://host/path" (RFC 9112 3.2.2) */
	unsigned version;           /* 10 or 11 */
	unsigned header_count;
	struct kiln_view fields; /* the field lines, CRLF-terminated */
	unsigned repeated;       /* HTTP_REPEATED_* */
	bool has_host;
	bool has_content_length;
	uint64_t content_length;
	bool has_transfer_encoding;
	bool chunked; /* Transfer-Encoding is exactly "chunked" */
	bool conn_close, conn_keep_alive; /* Connection tokens */
	struct kiln_view host, if_none_match, if_modified_since, range,
	        if_range, accept_encoding;
};

/*
 * Parse a complete request head: the request line and header fields, each
 * ending in CRLF, then the empty line (len counts it). Returns 0, or the
 * status to answer with: 400 (malformed), 501 (unknown method, or a
 * Transfer-Encoding), 505 (version). Lengths are not limited here; the
 * session's scanner enforces them while the bytes arrive.
 */
int http_request_parse(const uint8_t *head, size_t len,
                       struct http_request *req);

/* Check a request line alone (without its CRLF), as soon as it has
 * arrived: 0, or the status http_request_parse would give for it (400,
 * 505), so that a line that cannot start a request - an HTTP/0.9 one,
 * say - is answered at once instead of after a header timeout. */
int http_request_line_check(const uint8_t *line, size_t len);

/*
 * Walk the field lines of a parsed request (valid as long as its head).
 * http_fields_next gives each line whose name is it->name (any case; NULL
 * for every line), with the value trimmed. http_fields_next_element gives
 * the elements of the comma-separated list all those lines make together,
 * as if combined into one line (RFC 9110 5.3).
 */
struct http_field_iter {
	struct kiln_view rest; /* the lines not visited yet */
	const char *name;
	struct kiln_view list; /* what is left of the current line's list */
};
void http_fields_begin(struct http_field_iter *it,
                       const struct http_request *req, const char *name);
bool http_fields_next(struct http_field_iter *it, struct kiln_view *name,
                      struct kiln_view *value);
bool http_fields_next_element(struct http_field_iter *it,
                              struct kiln_view *elem);

/*
 * The resource a request path names: %XX escapes decoded, then "." and
 * ".." segments removed (RFC 3986 5.2.4) and runs of slashes merged into
 * one (as nginx does), into out (cap bytes). Returns the length, or -1
 * for a bad escape, an escaped NUL, a ".." above the root, or no room.
 * path must start with '/'.
 */
long http_path_normalize(struct kiln_view path, char *out, size_t cap);
/* The same, except that an escaped '/' or '%' stays escaped ("%2F",
 * "%25", upper case): the form routes are matched on, so that "%2F"
 * does not split a segment ("/items/a%2Fb" is one {id}, "a/b"). */
long http_path_match_form(struct kiln_view path, char *out, size_t cap);
/* Undo what http_path_match_form kept escaped, of p[0..len) into out
 * (room for len bytes). Returns the length. */
size_t http_path_unescape(const char *p, size_t len, char *out);

/* --------------------------------------------------------- heads */

/*
 * Collects a message head as its bytes arrive in pieces, checking line
 * endings and limits on the way, so that an oversized or malformed head
 * is refused before it is complete. The bytes go into a buffer taken from
 * the heap as they come (http_head_init; at most HTTP_HEAD_MAX, freed by
 * http_head_release) or into one the caller owns (http_head_init_fixed).
 */
struct http_head {
	uint8_t *buf;
	size_t cap; /* bytes at buf */
	size_t len;
	size_t line_start;   /* offset of the line being received */
	size_t fields_start; /* offset of the first header field line */
	unsigned lines;      /* complete lines, the start line included */
	bool fixed;          /* buf is the caller's */
};

struct http_head_limits {
	size_t max_start_line;
	size_t max_field_bytes;
	unsigned max_fields;
};

enum {
	HTTP_HEAD_MORE = 1, /* all bytes taken; the head goes on */
	HTTP_HEAD_DONE = 0  /* the empty line was reached */
};

void http_head_init(struct http_head *h);
void http_head_init_fixed(struct http_head *h, uint8_t *buf, size_t cap);
/* Start over (the buffer is kept). */
void http_head_reset(struct http_head *h);
/* Start over and give a heap buffer back. */
void http_head_release(struct http_head *h);
/* Take bytes until the head is complete (HTTP_HEAD_DONE; *consumed says
 * how many were taken) or all are taken (HTTP_HEAD_MORE). Otherwise
 * returns the status for the error: 400 (bare CR or LF, NUL), 414 (start
 * line), 431 (fields), 503 (no memory to hold them). Empty lines before
 * the start line are skipped. */
int http_head_scan(struct http_head *h, const struct http_head_limits *lim,
                   const uint8_t *data, size_t len, size_t *consumed);

/* ------------------------------------------------------ responses */

#define HTTP_RESPONSE_HEAD_MAX 1024

struct http_response {
	unsigned status;
	char head[HTTP_RESPONSE_HEAD_MAX]; /* status line and fields */
	size_t head_len;
	const uint8_t *body; /* then these bytes (none for HEAD and 304) */
	size_t body_len;
	/* The body's bytes never change and outlive every connection (an
	 * asset, a literal): TCP may send them from where they lie. */
	bool body_static;
	bool close; /* close the connection once sent */
};

/* The reason phrase for a status ("Not Found"), "" if unknown. */
const char *http_reason(unsigned status);

/* Build the response to a request no route answers. parse_status is 0
 * for a well-formed request (req then describes it: 404, or 400 for a bad
 * path, 413 for a body beyond max_discard_body) or the error status from
 * the scanner or parser (req may be NULL). wall is kiln_wall() for the
 * Date field.
 */
void http_respond(const struct http_config *cfg, const struct http_request *req,
                  int parse_status, kiln_time wall, struct http_response *out);
/* Build the response to req from an asset table: everything the static
 * server does (conditional requests, ranges, gzip variants, 301 for
 * folders, 404, 405 for methods other than GET and HEAD). The body points
 * into the table. */
void http_respond_asset(const struct http_config *cfg,
                        const struct kiln_asset_table *assets,
                        const struct http_request *req, kiln_time wall,
                        struct http_response *out);

/* A status with its short text body (and extra, CRLF-terminated header
 * lines, or NULL); out->close must be set already. */
void http_respond_error(unsigned status, kiln_time wall, bool head_only,
                        bool keep_alive_10, const char *extra,
                        struct http_response *out);

/* Format an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"; 29 bytes and a
 * NUL) and parse one (also the obsolete RFC 850 and asctime forms).
 * Parsing returns false for anything else. */
void http_date_format(int64_t secs, char out[30]);
bool http_date_parse(struct kiln_view v, int64_t *secs);

/* --------------------------------------------------------- routes */

/*
 * Handlers. An app registers them on its config before starting the
 * server:
 *
 *   static int hello(struct http_exchange *x, void *arg)
 *   {
 *           return http_reply(x, 200, "text/plain", "hello\n", 6);
 *   }
 *   http_route(&cfg, HTTP_GET, "/hello", hello, NULL);
 *
 * Patterns: "/hello" matches that path exactly; "/static/STAR" (STAR
 * being '*') every path below "/static/" ("/STAR": every path);
 * "/items/{id}" one segment in place of {id} (at most HTTP_MAX_PARAMS of
 * them, read with http_param, %-decoded). Paths are matched after
 * %-decoding and dot-segment removal, except that an escaped '/' (%2F)
 * does not end a segment: "/items/a%2Fb" matches "/items/{id}" with id
 * "a/b" (http_path_match_form; patterns may not contain '%'). A path
 * whose escaped slashes would change its meaning once decoded (a dot
 * segment or an empty one between them: "/a/..%2Fb") is a 400, so a
 * prefix route never answers for a path outside it. Precedence: exact patterns
 * are tried first, then those with {name} segments, then prefixes, the
 * longest first; among equals, in the order they were added. The first
 * whose pattern and method match wins. A route for GET also answers HEAD
 * (the body is then not sent, its length is). method HTTP_UNKNOWN
 * accepts every method. A path some route matches but none for its
 * method gets 405 with an Allow field listing the methods of the routes
 * that match it. A path no route matches gets 404.
 *
 * Static assets are served by an asset route (http_route_assets), one
 * route among the others: "/STAR" serves a whole table as the route of
 * last resort, "/docs/STAR" only what lies below /docs/ (the table's
 * paths are the full paths). An asset route answers at once, without a
 * fiber (nothing it does blocks); a handler can also serve an asset
 * itself with http_reply_asset.
 *
 * Handlers run on a fiber of their own (taken when the request's head is
 * complete, freed when the handler returns), so they may block: read the
 * body, send, sleep, talk TCP. The connection's other requests wait
 * (pipelined requests are answered in order). A handler returns 0 once
 * it has answered, or a negative value for an error: if nothing was sent
 * yet the client gets a 500, else the connection is reset; either way a
 * log line says which route failed. A handler that returns 0 without
 * answering also gets a 500.
 *
 * Request bodies (Content-Length or chunked) are read as a stream with
 * http_body_read, at most cfg->max_body bytes: a Content-Length beyond
 * it is answered 413 without calling the handler; a chunked body that
 * grows beyond it makes http_body_read fail with -KILN_EMSGSIZE (the
 * handler should answer 413: http_reply_status(x, 413)). With "Expect:
 * 100-continue" the interim 100 is sent when the handler first reads.
 * What a handler leaves unread is dropped after its response (up to
 * max_discard_body, else the connection closes).
 */
#define HTTP_MAX_PARAMS 4

struct http_exchange;
typedef int (*http_handler)(struct http_exchange *x, void *arg);

/* Add a route (kept for the life of the unikernel). Returns 0, or
 * -KILN_EINVAL for a pattern that is not one of the forms above, or
 * -KILN_ENOMEM. */
int http_route(struct http_config *cfg, enum http_method method,
               const char *pattern, http_handler fn, void *arg);
/* Add an asset route: GET and HEAD of pattern's paths from table. */
int http_route_assets(struct http_config *cfg, const char *pattern,
                      const struct kiln_asset_table *table);
/* An asset route's table; NULL for a handler's route. */
const struct kiln_asset_table *
http_route_asset_table(const struct http_route *r);

/* What matching a normalised path gives: the route (NULL for none), and
 * the {name} segments it captured as views into path. allow is a bit
 * per enum http_method of the routes whose pattern matched (for 405). */
struct http_match {
	const struct http_route *route;
	unsigned allow;
	unsigned nparams;
	const char *param_name[HTTP_MAX_PARAMS];
	size_t param_name_len[HTTP_MAX_PARAMS];
	struct kiln_view param[HTTP_MAX_PARAMS];
};
void http_route_match(const struct http_route *routes, enum http_method m,
                      const char *path, size_t len, struct http_match *out);
/* "GET, HEAD, POST" for an allow mask, into out (cap bytes). */
void http_allow_format(unsigned allow, char *out, size_t cap);
/* Call the route's handler. */
int http_route_call(const struct http_route *r, struct http_exchange *x);
const char *http_route_pattern(const struct http_route *r);

/* ---------------------------------------------- a handler's exchange */

/* The request, valid while the handler runs. */
enum http_method http_method(const struct http_exchange *x);
struct kiln_view http_target(const struct http_exchange *x); /* as sent */
/* The decoded, normalised path (NUL-terminated). */
const char *http_path(const struct http_exchange *x);
/* A {name} segment of the route's pattern, NUL-terminated into out;
 * false if the pattern has no such name or it does not fit. */
bool http_param(const struct http_exchange *x, const char *name, char *out,
                size_t cap);
/* The first query parameter called name ("a=1&b=x%20y": '+' and %XX
 * decoded) into out; false if absent, malformed or too long. */
bool http_query(const struct http_exchange *x, const char *name, char *out,
                size_t cap);
/* A header field's value, every line of it combined with ", " (RFC 9110
 * 5.3), NUL-terminated into out; false if absent or too long. */
bool http_header(const struct http_exchange *x, const char *name, char *out,
                 size_t cap);
/* The client's address and port. */
void http_client(const struct http_exchange *x, uint32_t *addr, uint16_t *port);
/* The request's body length if it is framed by Content-Length, else -1
 * (chunked) ; 0 when there is none. */
int64_t http_body_length(const struct http_exchange *x);
/* Read up to cap bytes of the body, blocking for them: returns how many
 * (0 at its end), or -KILN_EMSGSIZE past cfg->max_body, -KILN_EINVAL for
 * bad chunked framing, -KILN_ETIMEDOUT, or the connection's error. */
long http_body_read(struct http_exchange *x, void *buf, size_t cap);

/* Responses. Extra header fields ("Name: value", no CRLF) go in before
 * the reply, up to HTTP_RESPONSE_HEAD_MAX in all. */
int http_add_header(struct http_exchange *x, const char *field);
/* A whole response from a buffer (sent before returning). */
int http_reply(struct http_exchange *x, unsigned status,
               const char *content_type, const void *body, size_t len);
/* A status with its short text body ("404 Not Found\n"). */
int http_reply_status(struct http_exchange *x, unsigned status);
/* The asset of table the request names, with everything the static
 * server does (conditional requests, ranges, gzip variants, 301 for
 * folders, 404). */
int http_reply_asset(struct http_exchange *x,
                     const struct kiln_asset_table *table);
/* A streamed response: length is the body's size if known (sent as
 * Content-Length), else -1 (chunked; with HTTP/1.0 the connection
 * closes at its end instead). http_stream_write blocks while the
 * client's send ring is full, so a slow client parks the handler rather
 * than anything piling up; it fails with -KILN_ETIMEDOUT when the client
 * takes nothing for send_timeout, or with the connection's error. */
int http_stream_begin(struct http_exchange *x, unsigned status,
                      const char *content_type, int64_t length);
int http_stream_write(struct http_exchange *x, const void *data, size_t len);
int http_stream_end(struct http_exchange *x);

/*
 * A chunked body decoder (RFC 9112 7.1) without I/O: feed it what came,
 * it writes the data bytes to out. Chunk extensions and trailer fields
 * are read and dropped.
 */
struct http_chunked {
	int state;
	uint64_t size; /* of the current chunk: bytes left */
	unsigned line; /* bytes of the current size or trailer line */
	bool digits;
	uint64_t total; /* data bytes so far */
};
enum { HTTP_CHUNKED_MORE = 1, HTTP_CHUNKED_DONE = 0 };
void http_chunked_init(struct http_chunked *d);
/* Take bytes from in (*used says how many), data into out (*produced).
 * Returns HTTP_CHUNKED_MORE, HTTP_CHUNKED_DONE (the last chunk and the
 * trailer ended: *used stops there), or -KILN_EINVAL. */
int http_chunked_feed(struct http_chunked *d, const uint8_t *in, size_t len,
                      size_t *used, uint8_t *out, size_t cap, size_t *produced);

/* ------------------------------------------------------- sessions */

enum http_session_state {
	HTTP_S_HEAD,    /* receiving a request head */
	HTTP_S_BODY,    /* dropping a request body */
	HTTP_S_RESPOND, /* a response is ready: http_session_response() */
	HTTP_S_HANDLER, /* a route's handler is to answer (http_session_*) */
	HTTP_S_CLOSED   /* done: close the connection */
};

/* What exists only while a request is answered: the response and, for
 * the access log, the request line's method and path. */
struct http_reply {
	struct http_response resp;
	struct http_request req; /* while a handler answers */
	struct http_match match;
	char *path;       /* normalised, NUL-terminated (heap) */
	char *match_path; /* the same with %2F kept: what was matched */
	char log_method[12];
	char log_path[96];
};

/*
 * One connection's protocol state. Small while idle (about 150 bytes):
 * the request head's buffer grows with the bytes that came (http_head),
 * and the reply is allocated when a response is made and freed once it
 * was sent. With no memory for them the answer is a 503 and close.
 */
struct http_session {
	const struct http_config *cfg;
	enum http_session_state state;
	struct http_head head;
	uint64_t discard;      /* body bytes still to drop */
	uint64_t pending_drop; /* body to drop once the response is sent */
	bool request_started;  /* a byte of the current request arrived */
	bool line_checked;     /* its request line was checked on arrival */
	kiln_time request_start;
	kiln_time last_activity;
	kiln_time resp_started;   /* when the request's head was complete */
	unsigned requests;        /* responses sent */
	struct http_reply *reply; /* while state is HTTP_S_RESPOND */
};

void http_session_init(struct http_session *s, const struct http_config *cfg,
                       kiln_time now);
/* Free what the session holds (it may be initialised again). */
void http_session_release(struct http_session *s);

/* Take received bytes. Returns how many were taken: fewer than len when a
 * response became ready (state HTTP_S_RESPOND); feed the rest after
 * http_session_sent(). */
size_t http_session_input(struct http_session *s, const void *data, size_t len,
                          kiln_time now, kiln_time wall);

/* The response to send, or NULL when none is ready; and the request line
 * it answers, for the log ("" when there was none). */
const struct http_response *http_session_response(const struct http_session *s);
const char *http_session_log_method(const struct http_session *s);
const char *http_session_log_path(const struct http_session *s);

/* The request a handler is to answer (state HTTP_S_HANDLER), its match
 * and its normalised path; NULL otherwise. */
const struct http_reply *http_session_handler(const struct http_session *s);
/* The handler's response was sent; unread is what is left of a body
 * framed by Content-Length (to drop), or UINT64_MAX for a body that
 * cannot be skipped (the connection then closes), close whether the
 * response asked for that. As http_session_sent otherwise. */
void http_session_handled(struct http_session *s, uint64_t unread, bool close,
                          kiln_time now);

/* The response was sent (the reply and the head's buffer are freed). The
 * state becomes HTTP_S_CLOSED if the connection is to close. */
void http_session_sent(struct http_session *s, kiln_time now);

/* When the session times out if no byte arrives (monotonic), or
 * KILN_NEVER while a response is ready. */
kiln_time http_session_deadline(const struct http_session *s);

/* The deadline passed: returns true when a 408 response is now ready
 * (send it, then close), false when the connection should just close. */
bool http_session_timeout(struct http_session *s, kiln_time wall);

/* The peer ended its side (FIN). Returns true when a 400 is ready for a
 * partial request; false when the connection should just close. */
bool http_session_eof(struct http_session *s, kiln_time wall);

/* ---------------------------------------------------------- server */

/*
 * The server runs on callbacks, not on a fiber per connection: TCP's
 * events drive each connection's session (lib/http/conn.c), so a
 * connection costs its TCP struct and a few hundred bytes of its own
 * while idle, and thousands are held at once. Asset routes and errors
 * are answered without blocking (the response is built from the asset
 * table); a handler, which may block, runs on a fiber taken only while it
 * works.
 *
 * Bounds (struct http_config): max_conns open connections (by default
 * what the heap holds). When a new connection finds the bound reached,
 * the server first sheds the connection that has sent least: the oldest
 * idle one (a new connection that sent nothing yet, or a keep-alive one
 * between requests), closed without a response; else the one whose
 * request head started longest ago (the slowest: slowloris), answered
 * 408. Only when every connection is busy answering is the new one
 * refused with 503. Every close the server starts after a response is
 * lingering (RFC 9112 9.6): FIN after the response, input read and
 * dropped until the peer's FIN, linger_timeout without a byte, or
 * linger_time in all - so a client still sending its request reads the
 * 400, 413, 431 or 503 instead of losing it to a reset.
 */

/* Listen on port and serve cfg's routes, for ever (cfg must stay valid).
 * Only returns on a listen error (a negated kiln_error). */
int http_serve(const struct http_config *cfg, uint16_t port);
/* The same without parking the caller: returns 0 once listening (the
 * callbacks do the rest), or a negated kiln_error. */
int http_server_start(const struct http_config *cfg, uint16_t port);

/* An HTTPS server: each connection a TLS stream (include/kiln/tls.h) of
 * tls, a struct tls_config of lib/tls's. http_serve starts one itself
 * when the image carries credentials. */
struct tls_config;
int http_server_start_tls(const struct http_config *cfg, uint16_t port,
                          struct tls_config *tls);

/* What the servers of this unikernel did (never reset). */
struct http_stats {
	unsigned conns;     /* open now (lingering ones not counted) */
	unsigned idle;      /* of which idle (nothing of a request yet) */
	unsigned reading;   /* receiving a request head */
	unsigned lingering; /* closing: draining input after the response */
	unsigned max_conns; /* the bound in force */
	uint64_t accepted;  /* connections taken */
	uint64_t requests;  /* responses sent */
	uint64_t shed_idle; /* idle connections closed to make room */
	uint64_t shed_slow; /* slow heads answered 408 to make room */
	uint64_t refused;   /* answered 503: every connection was busy */
	uint64_t timeouts;  /* header, idle or send timeouts */
	uint64_t no_memory; /* connections ended for want of heap */
	uint64_t status_class[6]; /* responses by status: [2] 2xx, ... */
	uint64_t bytes_in;        /* taken from TCP (heads, bodies) */
	uint64_t bytes_out;       /* given to TCP (responses) */
};
void http_get_stats(struct http_stats *st);

/* ---------------------------------------------------------- metrics */

/*
 * What this unikernel did, for an operator's scraper, in Prometheus's
 * text exposition format (version 0.0.4): responses by status class
 * (kiln_http_responses_total{code="2xx"}, ...), bytes received and sent
 * by the HTTP server, open, idle and lingering connections and what the
 * bound did (struct http_stats), the heap's size, bytes in use, peak and
 * failures (kiln_mem_stats), and every counter of the network stack as
 * kiln_net_NAME_total (net_format_counters: TCP opens, retransmits,
 * resets, every drop reason). One line in an app:
 *
 *   http_route_metrics(&cfg, "/metrics");
 *
 * The figures are the moment's: the request for them is counted in
 * bytes received and open connections, not yet as a response.
 */
int http_route_metrics(struct http_config *cfg, const char *path);
/* The exposition text into buf (NUL-terminated); its length, or 0 if it
 * does not fit in cap. */
size_t http_metrics_format(char *buf, size_t cap);

/* ------------------------------------------------------------- apps */

/*
 * The start-up of an app that serves assets (and perhaps a few handlers
 * of its own): boot arguments, the network, the asset route, the server.
 *
 *   static struct http_app app;
 *   int kiln_main(int argc, char **argv)
 *   {
 *           int st = http_app_init(&app, "decks", &kiln_assets);
 *           if (st)
 *                   return st;
 *           http_route(&app.config, HTTP_POST, "/x", x_handler, NULL);
 *           return http_app_run(&app);
 *   }
 *
 * Boot arguments: --port=N (80), --exit-after=SECS (end with status 0
 * after that long, so a host sees a clean exit), --stats-every=SECS (a
 * line "NAME: stats conns=... heap_peak=..." that often), --counters (at
 * exit, that line and every non-zero counter of the network stack instead
 * of one summary line "NAME: N requests on M connections, heap peak ...,
 * D packets dropped"), the server's
 * (http_config_from_args) and the network's (--ipv4=ADDR/PREFIX,
 * --ipv4-gateway=ADDR; DHCP otherwise). The app may claim its own
 * between the two calls.
 */
struct http_app {
	const char *name; /* in its console lines */
	const struct kiln_asset_table *assets;
	struct http_config config; /* routes may be added to it */
	uint16_t port;
	uint64_t exit_after, stats_every;
	bool counters; /* --counters: every counter at exit */
};

/* Defaults, the boot arguments above, and the asset route "/STAR" of
 * assets (if not NULL). Returns 0, or the exit status for kiln_main (2:
 * a malformed argument, said why). */
int http_app_init(struct http_app *app, const char *name,
                  const struct kiln_asset_table *assets);
/* Start the network and serve, for ever; returns the exit status when
 * that cannot be done (having said why). */
int http_app_run(struct http_app *app);
/* The --stats-every line, now. */
void http_app_print_stats(const struct http_app *app);

/* ---------------------------------------------------------- client */

/*
 * Parses a response as its bytes arrive: status line, header fields, and
 * a body framed by Content-Length, chunked transfer coding, or the end of
 * the connection. The body goes into a buffer the caller provides.
 */
#define HTTP_CLIENT_HEAD_MAX 16384

struct http_response_parser {
	struct http_head head;
	uint8_t head_buf[HTTP_CLIENT_HEAD_MAX];
	int state;
	bool head_request; /* the request was HEAD: no body follows */
	unsigned status;
	unsigned version;
	/* Body framing. */
	bool chunked, has_length, until_close;
	uint64_t remaining;
	uint64_t chunk_size;
	unsigned line_bytes; /* of the chunk-size or trailer line */
	bool line_digits;    /* chunk-size digits seen */
	bool line_ext;       /* in a chunk extension */
	bool line_cr;        /* CR seen, LF expected */
	/* Where the body goes. */
	uint8_t *body;
	size_t body_cap, body_len;
};

enum {
	HTTP_PARSE_DONE = 0, /* the whole response is there */
	HTTP_PARSE_MORE = 1  /* feed more bytes */
	/* < 0: a negated kiln_error; -KILN_EINVAL malformed, -KILN_EMSGSIZE
	 * the body does not fit. */
};

void http_response_parser_init(struct http_response_parser *p, uint8_t *body,
                               size_t body_cap, bool head_request);
/* Take bytes; *consumed says how many (fewer than len only when done or on
 * an error). */
int http_response_parser_feed(struct http_response_parser *p, const void *data,
                              size_t len, size_t *consumed);
/* The connection ended: HTTP_PARSE_DONE if that ends the body, else
 * -KILN_EINVAL (truncated). */
int http_response_parser_eof(struct http_response_parser *p);
/* The value of the first header field called name (case-insensitive),
 * without surrounding white space; false if absent. Valid once the head is
 * complete. */
bool http_response_header(const struct http_response_parser *p,
                          const char *name, struct kiln_view *value);

struct http_client_response {
	unsigned status;
	uint8_t *body; /* the caller's buffer */
	size_t body_len;
	char content_type[64]; /* "" when absent; truncated if longer */
};

/*
 * GET url ("http://A.B.C.D[:PORT]/path": an IPv4 literal, no name lookup)
 * over tcp_connect, with "Connection: close". The body goes into body
 * (body_cap bytes at most). Returns 0, or a negated kiln_error:
 * -KILN_EINVAL for a bad URL or a malformed response, -KILN_EMSGSIZE if
 * the body does not fit, -KILN_ETIMEDOUT, or the connection's error.
 */
int http_get(const char *url, uint8_t *body, size_t body_cap,
             struct http_client_response *out, kiln_time deadline);

#endif /* KILN_HTTP_H */
