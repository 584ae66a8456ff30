/*
 * http-hello - an app made of HTTP handlers:
 *   GET  /hello          "hello\n" from code
 *   GET  /items/{id}     the id and the query's "q" as JSON
 *   GET  /json           a 1 KB JSON document built by code on each
 *                        request (the same bytes each time: bench/http
 *                        has nginx return them)
 *   POST /upload         reads the body (Content-Length or chunked, up to
 *                        --max-body bytes) and answers its length and a
 *                        64-bit FNV-1a hash of it
 *   POST /sha256         the same with the body's SHA-256 (hex)
 *   GET  /stream?n=N     N bytes streamed ('a' .. 'z' over and over),
 *                        chunked, or sized with &sized=1
 *   GET  /fail           a handler error: 500
 *   GET  /metrics        the Prometheus exposition (http_route_metrics)
 *   GET  /deep?kb=N      with --deep-route only (for tests): recurses N
 *                        KiB deep on the handler's fiber stack (64 KiB),
 *                        so that past it the guard page stops the image
 */
#include "../../tool/assets/sha256.h"

#include <kiln/http.h>
#include <kiln/net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct http_config config;

static int hello(struct http_exchange *x, void *arg)
{
	(void)arg;
	return http_reply(x, 200, "text/plain", "hello\n", 6);
}

/* A list of items, then a padding field that makes it 1024 bytes. */
static int json(struct http_exchange *x, void *arg)
{
	static const char tail[] = "],\"pad\":\"\"}\n";
	char out[1100];
	(void)arg;
	int n = snprintf(out, sizeof out, "{\"items\":[");
	for (int i = 0; n < 1024 - 80; i++)
		n += snprintf(
		        out + n, sizeof out - (size_t)n,
		        "%s{\"id\":%d,\"name\":\"item-%d\",\"price\":%d.%02d}",
		        i ? "," : "", i, i, 100 + 7 * i, 13 * i % 100);
	int pad = 1024 - n - (int)(sizeof tail - 1);
	n += snprintf(out + n, sizeof out - (size_t)n, "],\"pad\":\"%.*s\"}\n",
	              pad,
	              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	              "xxxxxxxxxxxxxxxxxxxxxxxx");
	return http_reply(x, 200, "application/json", out, (size_t)n);
}

static int item(struct http_exchange *x, void *arg)
{
	char id[64], q[64], out[192];
	(void)arg;
	if (!http_param(x, "id", id, sizeof id))
		return http_reply_status(x, 400);
	if (!http_query(x, "q", q, sizeof q))
		strcpy(q, "");
	int n = snprintf(out, sizeof out, "{\"id\":\"%s\",\"q\":\"%s\"}\n", id,
	                 q);
	return http_reply(x, 200, "application/json", out, (size_t)n);
}

static int upload(struct http_exchange *x, void *arg)
{
	static uint8_t buf[16384];
	uint64_t h = 1469598103934665603ull, total = 0;
	(void)arg;
	for (;;) {
		long n = http_body_read(x, buf, sizeof buf);
		if (n == -KILN_EMSGSIZE)
			return http_reply_status(x, 413);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		for (long i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ull;
		total += (uint64_t)n;
	}
	char out[96];
	int k = snprintf(out, sizeof out, "%llu %016llx\n",
	                 (unsigned long long)total, (unsigned long long)h);
	return http_reply(x, 200, "text/plain", out, (size_t)k);
}

static int sha256(struct http_exchange *x, void *arg)
{
	static uint8_t buf[16384];
	struct sha256 h;
	uint64_t total = 0;
	(void)arg;
	sha256_init(&h);
	for (;;) {
		long n = http_body_read(x, buf, sizeof buf);
		if (n == -KILN_EMSGSIZE)
			return http_reply_status(x, 413);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	uint8_t d[32];
	char out[96];
	sha256_final(&h, d);
	int k = snprintf(out, sizeof out, "%llu ", (unsigned long long)total);
	for (int i = 0; i < 32; i++)
		k += snprintf(out + k, sizeof out - (size_t)k, "%02x", d[i]);
	out[k++] = '\n';
	return http_reply(x, 200, "text/plain", out, (size_t)k);
}

static int stream(struct http_exchange *x, void *arg)
{
	char v[32];
	uint8_t block[4096];
	(void)arg;
	uint64_t n =
	        http_query(x, "n", v, sizeof v) ? strtoull(v, NULL, 10) : 0;
	bool sized = http_query(x, "sized", v, sizeof v);
	for (size_t i = 0; i < sizeof block; i++)
		block[i] = (uint8_t)('a' + i % 26);
	int e = http_stream_begin(x, 200, "text/plain",
	                          sized ? (int64_t)n : -1);
	for (uint64_t off = 0; !e && off < n;) {
		/* Whole blocks keep the pattern aligned to the offset. */
		size_t k = n - off < sizeof block ? (size_t)(n - off)
		                                  : sizeof block;
		size_t at = (size_t)(off % 26);
		if (k > sizeof block - at)
			k = sizeof block - at;
		e = http_stream_write(x, block + at, k);
		off += k;
	}
	return e ? e : http_stream_end(x);
}

/* Uses about 1 KiB of stack per level; returns kb. */
static unsigned descend(unsigned kb)
{
	volatile uint8_t frame[1000];
	frame[0] = 1;
	frame[sizeof frame - 1] = 0;
	if (kb == 0)
		return frame[sizeof frame - 1];
	return descend(kb - 1) + frame[0];
}

static int deep(struct http_exchange *x, void *arg)
{
	char v[16], out[32];
	(void)arg;
	unsigned kb = http_query(x, "kb", v, sizeof v)
	                      ? (unsigned)strtoul(v, NULL, 10)
	                      : 0;
	int n = snprintf(out, sizeof out, "%u\n", descend(kb));
	return http_reply(x, 200, "text/plain", out, (size_t)n);
}

static int fail(struct http_exchange *x, void *arg)
{
	(void)x;
	(void)arg;
	return -KILN_EINVAL;
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	http_config_default(&config, NULL);
	uint64_t mb = config.max_body;
	if (kiln_arg_uint("--max-body", 0, UINT64_MAX, &mb))
		config.max_body = mb;
	bool deep_route = kiln_arg_flag("--deep-route");
	if (!http_config_from_args(&config))
		return 2;
	http_route(&config, HTTP_GET, "/hello", hello, NULL);
	http_route(&config, HTTP_GET, "/items/{id}", item, NULL);
	http_route(&config, HTTP_GET, "/json", json, NULL);
	http_route(&config, HTTP_POST, "/upload", upload, NULL);
	http_route(&config, HTTP_POST, "/sha256", sha256, NULL);
	http_route(&config, HTTP_GET, "/stream", stream, NULL);
	http_route(&config, HTTP_GET, "/fail", fail, NULL);
	http_route_metrics(&config, "/metrics");
	if (deep_route)
		http_route(&config, HTTP_GET, "/deep", deep, NULL);
	/* The network claims its own boot arguments (--ipv4=...). */
	int err = net_start(NULL, kiln_now() + KILN_SEC(30));
	kiln_args_check();
	if (err) {
		kiln_printf("http-hello: no network: %s\n", kiln_strerror(err));
		return 1;
	}
	char addr[16];
	kiln_printf("http-hello: listening on %s port 80\n",
	            net_ipv4_format(net_local_address(), addr));
	err = http_serve(&config, 80);
	kiln_printf("http-hello: %s\n", kiln_strerror(err));
	return 1;
}
