/*
 * lib/http/client.c - a small HTTP/1.1 client: GET one URL over a fresh
 * connection ("Connection: close") and parse the response with
 * response_parser.c.
 */
#include <kiln/http.h>
#include <kiln/net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_URL_PATH 2048

/* "http://A.B.C.D[:PORT][/path]" */
static bool parse_url(const char *url, net_ipv4 *addr, uint16_t *port,
                      char *host, size_t host_cap, const char **path)
{
	if (strncmp(url, "http://", 7) != 0)
		return false;
	const char *h = url + 7;
	size_t n = strcspn(h, ":/");
	if (n == 0 || n >= host_cap)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (!net_ipv4_parse(host, addr))
		return false;
	const char *p = h + n;
	*port = 80;
	if (*p == ':') {
		unsigned v = 0;
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (unsigned)(*p++ - '0');
			if (v > 65535)
				return false;
		}
		if (v == 0)
			return false;
		*port = (uint16_t)v;
	}
	if (*p != '/' && *p != '\0')
		return false;
	*path = *p ? p : "/";
	if (strlen(*path) > MAX_URL_PATH)
		return false;
	for (const char *q = *path; *q; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return false;
	/* Host field: as written in the URL, with the port. */
	snprintf(host, host_cap, "%.*s", (int)(p - h), h);
	return true;
}

int http_get(const char *url, uint8_t *body, size_t body_cap,
             struct http_client_response *out, kiln_time deadline)
{
	net_ipv4 addr;
	uint16_t port;
	char host[32];
	const char *path;
	memset(out, 0, sizeof *out);
	if (!parse_url(url, &addr, &port, host, sizeof host, &path))
		return -KILN_EINVAL;
	size_t req_cap = MAX_URL_PATH + 128;
	char *req = malloc(req_cap);
	struct http_response_parser *p = malloc(sizeof *p);
	if (!req || !p) {
		free(req);
		free(p);
		return -KILN_ENOMEM;
	}
	int len = snprintf(req, req_cap,
	                   "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: kiln\r\n"
	                   "Connection: close\r\n\r\n",
	                   path, host);
	int err = 0;
	struct tcp_conn *c = tcp_connect(addr, port, deadline, &err);
	if (!c) {
		free(req);
		free(p);
		return err ? err : -KILN_ECONNREFUSED;
	}
	long w = tcp_write(c, req, (size_t)len, deadline);
	int rc = w < 0 ? (int)w : HTTP_PARSE_MORE;
	http_response_parser_init(p, body, body_cap, false);
	uint8_t buf[2048];
	while (rc == HTTP_PARSE_MORE) {
		long n = tcp_read(c, buf, sizeof buf, deadline);
		if (n < 0) {
			rc = (int)n;
		} else if (n == 0) {
			rc = http_response_parser_eof(p);
		} else {
			size_t used;
			rc = http_response_parser_feed(p, buf, (size_t)n,
			                               &used);
		}
	}
	if (rc == HTTP_PARSE_DONE) {
		struct kiln_view ct;
		out->status = p->status;
		out->body = body;
		out->body_len = p->body_len;
		if (http_response_header(p, "content-type", &ct)) {
			size_t n = ct.len < sizeof out->content_type - 1
			                   ? ct.len
			                   : sizeof out->content_type - 1;
			memcpy(out->content_type, ct.p, n);
			out->content_type[n] = '\0';
		}
	}
	if (rc < 0)
		tcp_abort(c);
	else
		tcp_close(c);
	free(req);
	free(p);
	return rc;
}
