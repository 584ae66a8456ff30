/*
 * fuzz/http_request.c - the server's session fed arbitrary bytes, split
 * into pieces at points chosen by the input, with a small asset table.
 */
#include <kiln/http.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t page[] = "<html>a page, a page, a page, a page</html>";
static const uint8_t page_gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255};
static const struct kiln_asset entries[] = {
        {"/", 1, "text/html", page, sizeof page - 1, page_gz, sizeof page_gz,
         "\"e1\"", "\"e1-gz\""},
        {"/a/", 3, "text/html", page, sizeof page - 1, NULL, 0, "\"e2\"", NULL},
        {"/index.html", 11, "text/html", page, sizeof page - 1, page_gz,
         sizeof page_gz, "\"e1\"", "\"e1-gz\""},
};
/* Where the response bytes go, so that reading them is not optimised
 * away. */
volatile uint8_t sink;

static const struct kiln_asset_table table = {entries, 3, 1700000000};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_config cfg;
	static struct http_session *s;
	if (!s) {
		s = malloc(sizeof *s);
		http_config_default(&cfg, &table);
		/* Small limits, so the fuzzer reaches them. */
		cfg.max_request_line = 64;
		cfg.max_header_bytes = 256;
		cfg.max_headers = 8;
		cfg.max_discard_body = 100;
	}
	if (size < 1)
		return 0;
	/* The first byte picks the piece size. */
	size_t step = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	http_session_init(s, &cfg, 0);
	size_t off = 0;
	kiln_time now = 0;
	while (off < size && s->state != HTTP_S_CLOSED) {
		size_t n = size - off < step ? size - off : step;
		size_t used = http_session_input(s, data + off, n, now, 0);
		const struct http_response *r = http_session_response(s);
		if (r) {
			/* Touch every byte the server would send. */
			for (size_t i = 0; i < r->head_len; i++)
				sink ^= (uint8_t)r->head[i];
			for (size_t i = 0; i < r->body_len; i++)
				sink ^= r->body[i];
			if (r->head_len < 4 ||
			    memcmp(r->head + r->head_len - 4, "\r\n\r\n", 4))
				abort();
			http_session_sent(s, now);
		} else if (used != n) {
			abort(); /* input refused without a response */
		}
		off += used;
		now += 1000;
	}
	if (http_session_deadline(s) < 0)
		abort();
	if (s->state != HTTP_S_CLOSED)
		http_session_timeout(s, 0);
	http_session_release(s);
	return 0;
}
