/*
 * fuzz/http_response.c - the client's response parser fed arbitrary
 * bytes in pieces; the body buffer is small so overflow is reached.
 */
#include <kiln/http.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_response_parser *p;
	static uint8_t body[300];
	if (!p)
		p = malloc(sizeof *p);
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] % 13 + 1;
	bool head = data[0] & 0x80;
	data++;
	size--;
	http_response_parser_init(p, body, sizeof body, head);
	size_t off = 0;
	int rc = HTTP_PARSE_MORE;
	while (off < size && rc == HTTP_PARSE_MORE) {
		size_t n = size - off < step ? size - off : step, used;
		rc = http_response_parser_feed(p, data + off, n, &used);
		if (used > n || p->body_len > sizeof body)
			abort();
		off += used;
	}
	if (rc == HTTP_PARSE_MORE)
		rc = http_response_parser_eof(p);
	if (rc == HTTP_PARSE_DONE) {
		struct kiln_view v;
		http_response_header(p, "content-type", &v);
		if (p->status < 100 || p->status > 999)
			abort();
	}
	return 0;
}
