/*
 * lib/http/metrics.c - what the server, the network stack and the heap
 * did, in Prometheus's text exposition format (version 0.0.4), and a
 * route that serves it (see "metrics" in include/kiln/http.h).
 */
#include <kiln/http.h>
#include <kiln/net.h>
#include <kiln/rt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	char *buf;
	size_t cap, len;
	bool full;
};

static void put(struct out *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = true;
		o->buf[o->len] = '\0'; /* only whole lines */
		return;
	}
	o->len += (size_t)n;
}

/* A metric of one sample: its HELP and TYPE lines, then the sample. */
static void metric(struct out *o, const char *name, const char *type,
                   const char *help, unsigned long long v)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type,
	    name, v);
}

size_t http_metrics_format(char *buf, size_t cap)
{
	struct out o = {buf, cap, 0, cap == 0};
	if (cap)
		buf[0] = '\0';
	struct http_stats h;
	http_get_stats(&h);
	put(&o, "# HELP kiln_http_responses_total HTTP responses sent (and "
	        "503 refusals), by status class.\n"
	        "# TYPE kiln_http_responses_total counter\n");
	static const char *cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
	for (unsigned i = 0; i < 6; i++)
		put(&o, "kiln_http_responses_total{code=\"%s\"} %llu\n", cls[i],
		    (unsigned long long)h.status_class[i]);
	metric(&o, "kiln_http_received_bytes_total", "counter",
	       "Bytes the HTTP server took from TCP (heads and bodies).",
	       h.bytes_in);
	metric(&o, "kiln_http_sent_bytes_total", "counter",
	       "Bytes the HTTP server gave to TCP (responses).", h.bytes_out);
	metric(&o, "kiln_http_connections", "gauge",
	       "HTTP connections open (lingering ones not counted).", h.conns);
	metric(&o, "kiln_http_connections_idle", "gauge",
	       "Open HTTP connections with nothing of a request yet.", h.idle);
	metric(&o, "kiln_http_connections_lingering", "gauge",
	       "HTTP connections closing (input drained after the response).",
	       h.lingering);
	metric(&o, "kiln_http_connections_max", "gauge",
	       "The bound on open HTTP connections.", h.max_conns);
	metric(&o, "kiln_http_connections_accepted_total", "counter",
	       "HTTP connections taken.", h.accepted);
	metric(&o, "kiln_http_shed_idle_total", "counter",
	       "Idle HTTP connections closed to make room.", h.shed_idle);
	metric(&o, "kiln_http_shed_slow_total", "counter",
	       "Slow request heads answered 408 to make room.", h.shed_slow);
	metric(&o, "kiln_http_refused_total", "counter",
	       "Connections answered 503: every one was busy.", h.refused);
	metric(&o, "kiln_http_timeouts_total", "counter",
	       "Header, idle and send timeouts.", h.timeouts);
	metric(&o, "kiln_http_no_memory_total", "counter",
	       "HTTP connections ended for want of heap.", h.no_memory);

	struct kiln_mem_stats m;
	kiln_mem_stats(&m);
	metric(&o, "kiln_heap_size_bytes", "gauge", "Bytes in the heap.",
	       m.heap_size);
	metric(&o, "kiln_heap_in_use_bytes", "gauge",
	       "Bytes allocated from the heap now.", m.in_use);
	metric(&o, "kiln_heap_peak_bytes", "gauge",
	       "Most bytes ever allocated from the heap at once.", m.peak);
	metric(&o, "kiln_heap_largest_free_bytes", "gauge",
	       "The largest free block of the heap.", m.largest_free);
	metric(&o, "kiln_heap_alloc_failures_total", "counter",
	       "Allocations the heap could not satisfy.", m.failures);

	/* The network stack's counters ("name value" lines), each a
	 * counter of its own. */
	char *net = malloc(8192);
	if (net) {
		net_format_counters(net, 8192, true);
		for (char *line = net; *line;) {
			char *end = strchr(line, '\n');
			if (!end)
				break;
			*end = '\0';
			char *sp = strchr(line, ' ');
			if (sp) {
				*sp = '\0';
				put(&o,
				    "# HELP kiln_net_%s_total The network "
				    "stack's %s counter.\n"
				    "# TYPE kiln_net_%s_total counter\n"
				    "kiln_net_%s_total %s\n",
				    line, line, line, line, sp + 1);
			}
			line = end + 1;
		}
		free(net);
	}
	return o.full ? 0 : o.len;
}

#define METRICS_MAX 32768

static int metrics_handler(struct http_exchange *x, void *arg)
{
	(void)arg;
	char *buf = malloc(METRICS_MAX); /* not on the fiber's stack */
	if (!buf)
		return http_reply_status(x, 503);
	size_t n = http_metrics_format(buf, METRICS_MAX);
	int e = n ? http_reply(x, 200,
	                       "text/plain; version=0.0.4; "
	                       "charset=utf-8",
	                       buf, n)
	          : -KILN_EMSGSIZE;
	free(buf);
	return e;
}

int http_route_metrics(struct http_config *cfg, const char *path)
{
	return http_route(cfg, HTTP_GET, path, metrics_handler, NULL);
}
