/*
 * host/usernet.c - user-mode networking on libslirp (see usernet.h).
 */
#include "usernet.h"
#include "usernet_filter.h"

#include <arpa/inet.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#define FRAME_MAX (HOST_USERNET_MTU + 14)

/* One of slirp's timers. */
struct utimer {
	struct utimer *next;
	SlirpTimerCb cb; /* timer_new style, or NULL */
	void *cb_opaque;
	SlirpTimerId id; /* timer_new_opaque style */
	int64_t expire_ms;
	bool armed;
};

struct host_usernet {
	Slirp *slirp;
	struct utimer *timers;
	/* Frames for the guest: a ring of fixed slots. */
	struct {
		uint16_t len;
		uint8_t data[FRAME_MAX];
	} * queue;
	unsigned head, count;
	uint64_t drops;
	/* What the guest may send in (see usernet_filter.h). */
	struct usernet_filter filter;
	bool told_refused; /* the first refusal was reported */
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------ slirp callbacks */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct host_usernet *u = opaque;
	usernet_filter_note(&u->filter, buf, len, now_ns());
	if (len > FRAME_MAX || u->count == HOST_USERNET_QUEUE) {
		u->drops++;
		return (ssize_t)len;
	}
	unsigned slot = (u->head + u->count) % HOST_USERNET_QUEUE;
	memcpy(u->queue[slot].data, buf, len);
	u->queue[slot].len = (uint16_t)len;
	u->count++;
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	(void)opaque;
	fprintf(stderr, "kiln: usernet: guest error: %s\n", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return now_ns();
}

static struct utimer *timer_add(struct host_usernet *u)
{
	struct utimer *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		fprintf(stderr, "kiln: usernet: out of memory for a timer\n");
		abort();
	}
	t->next = u->timers;
	u->timers = t;
	return t;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct utimer *t = timer_add(opaque);
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	return t;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct utimer *t = timer_add(opaque);
	t->id = id;
	t->cb_opaque = cb_opaque;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct host_usernet *u = opaque;
	for (struct utimer **p = &u->timers; *p; p = &(*p)->next) {
		if (*p == timer) {
			*p = (*p)->next;
			free(timer);
			return;
		}
	}
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	(void)opaque;
	struct utimer *t = timer;
	t->expire_ms = expire_ms;
	t->armed = true;
}

static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	(void)opaque;
}

static const SlirpCb callbacks = {
        .send_packet = cb_send_packet,
        .guest_error = cb_guest_error,
        .clock_get_ns = cb_clock_get_ns,
        .timer_new = cb_timer_new,
        .timer_free = cb_timer_free,
        .timer_mod = cb_timer_mod,
        .register_poll_fd = cb_register_poll_fd,
        .unregister_poll_fd = cb_unregister_poll_fd,
        .notify = cb_notify,
        .timer_new_opaque = cb_timer_new_opaque,
};

/* ------------------------------------------------------------ lifecycle */

static struct in_addr in4(uint32_t host_order)
{
	struct in_addr a;
	a.s_addr = htonl(host_order);
	return a;
}

/* One pass over the sockets libslirp polls, as set up: a listening one
 * gets a real backlog. */
static int cb_deepen_backlog(int fd, int events, void *opaque)
{
	(void)events;
	(void)opaque;
	int listening = 0;
	socklen_t len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
	    listening)
		(void)listen(fd, SOMAXCONN);
	return 0;
}

/* libslirp's port forwards listen with a backlog of 1, so a burst of
 * connections (a browser opening six, a load test two hundred) would find
 * the kernel's queue full and be refused before libslirp accepts them.
 * Forwards are set up before any sandbox, so listen is allowed here; the
 * next real poll fill resets what this pass set in libslirp. */
static void deepen_backlogs(struct host_usernet *u)
{
	uint32_t timeout_ms = UINT32_MAX;
	slirp_pollfds_fill(u->slirp, &timeout_ms, cb_deepen_backlog, NULL);
}

struct host_usernet *host_usernet_new(const struct host_net_opt *net, char *err,
                                      size_t errlen)
{
	struct host_usernet *u = calloc(1, sizeof(*u));
	if (u)
		u->queue = calloc(HOST_USERNET_QUEUE, sizeof(*u->queue));
	if (u == NULL || u->queue == NULL) {
		snprintf(err, errlen, "usernet: out of memory");
		free(u);
		return NULL;
	}

	usernet_filter_init(&u->filter, HOST_USERNET_GATEWAY);

	/* Unrestricted, because restricted mode drops the guest's UDP
	 * answers to a port forward; containment comes from the filter in
	 * host_usernet_send() and from binding every socket libslirp opens
	 * on the guest's behalf to 127.0.0.1 (Linux will not route a
	 * loopback source out of any other interface). */
	static struct sockaddr_in outbound;
	outbound.sin_family = AF_INET;
	outbound.sin_addr = in4(0x7f000001);

	SlirpConfig cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 4;
	cfg.restricted = 0;
	cfg.in_enabled = true;
	cfg.vnetwork = in4(HOST_USERNET_NETWORK);
	cfg.vnetmask = in4(HOST_USERNET_NETMASK);
	cfg.vhost = in4(HOST_USERNET_GATEWAY);
	cfg.vdhcp_start = in4(HOST_USERNET_DHCP_START);
	/* Not the gateway: libslirp sends whatever the guest addresses to
	 * its name server to the host's resolver, and the guest's answers
	 * to a forwarded UDP peer go to the gateway. DHCP offers no DNS
	 * (disable_dns) and the filter refuses this address. */
	cfg.vnameserver = in4(HOST_USERNET_NAMESERVER);
	cfg.in6_enabled = false;
	cfg.vhostname = "kiln";
	cfg.if_mtu = HOST_USERNET_MTU;
	cfg.if_mru = HOST_USERNET_MTU;
	/* The gateway stands for 127.0.0.1, where the forwards' peers are:
	 * answers to a UDP peer must reach it. */
	cfg.disable_host_loopback = false;
	cfg.disable_dns = true;
	cfg.disable_dhcp = false;
	cfg.outbound_addr = &outbound;

	u->slirp = slirp_new(&cfg, &callbacks, u);
	if (u->slirp == NULL) {
		snprintf(err, errlen, "usernet: libslirp failed to start");
		free(u->queue);
		free(u);
		return NULL;
	}
	for (unsigned i = 0; i < net->n_hostfwd; i++) {
		const struct host_hostfwd *f = &net->hostfwd[i];
		uint32_t guest =
		        f->guest_addr ? f->guest_addr : HOST_USERNET_DHCP_START;
		if (slirp_add_hostfwd(u->slirp, f->udp, in4(0x7f000001),
		                      f->host_port, in4(guest),
		                      f->guest_port) < 0) {
			snprintf(err, errlen,
			         "usernet: hostfwd %s:127.0.0.1:%u-:%u: cannot "
			         "listen on the host port (in use?)",
			         f->udp ? "udp" : "tcp", f->host_port,
			         f->guest_port);
			host_usernet_free(u);
			return NULL;
		}
	}
	deepen_backlogs(u);
	return u;
}

void host_usernet_free(struct host_usernet *u)
{
	if (u == NULL)
		return;
	slirp_cleanup(u->slirp);
	/* slirp frees its timers in cleanup; anything left is ours. */
	while (u->timers) {
		struct utimer *t = u->timers;
		u->timers = t->next;
		free(t);
	}
	free(u->queue);
	free(u);
}

/* --------------------------------------------------------------- frames */

void host_usernet_send(struct host_usernet *u, const void *frame, size_t len)
{
	if (len > FRAME_MAX || len < 14)
		return;
	if (!usernet_filter_allows(&u->filter, frame, len, now_ns())) {
		uint8_t reset[USERNET_RESET_LEN];
		if (usernet_filter_reset(frame, len, reset))
			cb_send_packet(reset, sizeof(reset), u);
		if (!u->told_refused) {
			u->told_refused = true;
			fprintf(stderr,
			        "kiln: usernet: refused a frame from the guest "
			        "(user-mode networking carries only DHCP and "
			        "the port forwards' connections; "
			        "further refusals are counted, not shown)\n");
		}
		return;
	}
	slirp_input(u->slirp, frame, (int)len);
}

long host_usernet_recv(struct host_usernet *u, void *buf, size_t size)
{
	if (u->count == 0)
		return 0;
	unsigned slot = u->head;
	size_t len = u->queue[slot].len;
	u->head = (u->head + 1) % HOST_USERNET_QUEUE;
	u->count--;
	if (len > size)
		return -1;
	memcpy(buf, u->queue[slot].data, len);
	return (long)len;
}

bool host_usernet_pending(const struct host_usernet *u)
{
	return u->count > 0;
}

uint64_t host_usernet_drops(const struct host_usernet *u)
{
	return u->drops;
}

uint64_t host_usernet_refused(const struct host_usernet *u)
{
	return u->filter.refused;
}

/* ------------------------------------------------------------- polling */

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct host_pollset *ps = opaque;
	short ev = 0;
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	return host_pollset_add(ps, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	const struct host_pollset *ps = opaque;
	if (idx < 0 || (unsigned)idx >= ps->n)
		return 0;
	short re = ps->fds[idx].revents;
	int ev = 0;
	if (re & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (re & (POLLERR | POLLNVAL))
		ev |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

void host_usernet_poll_fill(struct host_usernet *u, struct host_pollset *ps,
                            int64_t *timeout_ns)
{
	uint32_t timeout_ms = UINT32_MAX;
	slirp_pollfds_fill(u->slirp, &timeout_ms, cb_add_poll, ps);

	int64_t now_ms = now_ns() / 1000000;
	for (struct utimer *t = u->timers; t; t = t->next) {
		if (!t->armed)
			continue;
		int64_t wait = t->expire_ms - now_ms;
		if (wait < 0)
			wait = 0;
		if ((uint64_t)wait < timeout_ms)
			timeout_ms = (uint32_t)wait;
	}
	if (timeout_ms != UINT32_MAX) {
		int64_t ns = (int64_t)timeout_ms * 1000000;
		if (*timeout_ns < 0 || ns < *timeout_ns)
			*timeout_ns = ns;
	}
}

void host_usernet_poll_done(struct host_usernet *u,
                            const struct host_pollset *ps, int poll_result)
{
	slirp_pollfds_poll(u->slirp, poll_result < 0, cb_get_revents,
	                   (void *)ps);

	/* Run due timers; a callback may re-arm or free timers, so restart
	 * the scan after each one. */
	int64_t now_ms = now_ns() / 1000000;
	bool again = true;
	while (again) {
		again = false;
		for (struct utimer *t = u->timers; t; t = t->next) {
			if (!t->armed || t->expire_ms > now_ms)
				continue;
			t->armed = false;
			if (t->cb)
				t->cb(t->cb_opaque);
			else
				slirp_handle_timer(u->slirp, t->id,
				                   t->cb_opaque);
			again = true;
			break;
		}
	}
}
