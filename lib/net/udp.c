/*
 * lib/net/udp.c - UDP sockets.
 *
 * Each socket has a bounded receive queue: a byte ring allocated at bind
 * time (UDP_RXQ_BYTES, at most UDP_RXQ_DATAGRAMS entries). A datagram is
 * copied into it on arrival, so receive buffers go back to the pool at
 * once whatever the application does; when the queue is full the
 * datagram is dropped and counted (drop_udp_queue_full).
 */
#include "iface.h"
#include <stdlib.h>
#include <string.h>

/* What precedes each datagram in the ring. */
struct rxq_rec {
	uint32_t len;
	net_ipv4 src;
	uint16_t sport;
};

struct udp_sock {
	struct udp_sock *next;
	net_ipv4 addr; /* 0: any local address */
	uint16_t port;
	bool closed;
	uint8_t *ring;
	size_t head, used; /* read position and bytes queued */
	unsigned count;    /* datagrams queued */
	unsigned waiters;  /* fibers parked in udp_recvfrom */
	struct kiln_waitq readers;
	/* udp_on_readable's callback, or NULL. */
	void (*on_readable)(struct udp_sock *s, void *arg);
	void *on_readable_arg;
};

static struct udp_sock *sockets;
static unsigned nsockets;

static struct udp_sock *find(net_ipv4 addr, uint16_t port)
{
	for (struct udp_sock *s = sockets; s; s = s->next)
		if (s->port == port && (!s->addr || !addr || s->addr == addr))
			return s;
	return NULL;
}

struct udp_sock *udp_bind(net_ipv4 addr, uint16_t port, int *err)
{
	int dummy;
	if (!err)
		err = &dummy;
	if (nsockets >= UDP_MAX_SOCKETS) {
		*err = -KILN_ENOMEM;
		return NULL;
	}
	if (port == 0) {
		/* An ephemeral port from the dynamic range. */
		uint16_t base = (uint16_t)(49152 + net_random() % 16384);
		for (unsigned i = 0; i < 16384 && !port; i++) {
			uint16_t p =
			        (uint16_t)(49152 + (base - 49152 + i) % 16384);
			if (!find(addr, p))
				port = p;
		}
		if (!port) {
			*err = -KILN_EADDRINUSE;
			return NULL;
		}
	} else if (find(addr, port)) {
		*err = -KILN_EADDRINUSE;
		return NULL;
	}
	struct udp_sock *s = calloc(1, sizeof(*s));
	if (s)
		s->ring = malloc(UDP_RXQ_BYTES);
	if (!s || !s->ring) {
		free(s);
		*err = -KILN_ENOMEM;
		return NULL;
	}
	s->addr = addr;
	s->port = port;
	kiln_waitq_init(&s->readers);
	s->next = sockets;
	sockets = s;
	nsockets++;
	*err = 0;
	return s;
}

void udp_close(struct udp_sock *s)
{
	if (!s)
		return;
	for (struct udp_sock **p = &sockets; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	nsockets--;
	s->closed = true;
	free(s->ring);
	s->ring = NULL;
	/* Readers parked on another fiber wake up to -KILN_ECLOSED; the
	 * last of them frees the socket. */
	if (s->waiters)
		kiln_waitq_wake_all(&s->readers);
	else
		free(s);
}

/* Copy into or out of the ring at offset off (mod size), wrapping. */
static void ring_put(struct udp_sock *s, size_t off, const void *src,
                     size_t len)
{
	off %= UDP_RXQ_BYTES;
	size_t first = UDP_RXQ_BYTES - off < len ? UDP_RXQ_BYTES - off : len;
	memcpy(s->ring + off, src, first);
	memcpy(s->ring, (const uint8_t *)src + first, len - first);
}

static void ring_get(const struct udp_sock *s, size_t off, void *dst,
                     size_t len)
{
	off %= UDP_RXQ_BYTES;
	size_t first = UDP_RXQ_BYTES - off < len ? UDP_RXQ_BYTES - off : len;
	memcpy(dst, s->ring + off, first);
	memcpy((uint8_t *)dst + first, s->ring, len - first);
}

void udp_input(const struct ipv4_hdr *h, struct kiln_view packet)
{
	struct udp_hdr u;
	int err = udp_parse(h->payload, h->src, h->dst, &u);
	if (err == WIRE_CHECKSUM) {
		NET_DROP(drop_udp_checksum);
		return;
	}
	if (err) {
		NET_DROP(drop_udp_malformed);
		return;
	}
	struct udp_sock *s = find(h->dst, u.dport);
	if (!s) {
		NET_DROP(drop_udp_no_port);
		icmp_send_unreach(h, packet, ICMP_UNREACH_PORT);
		return;
	}
	struct rxq_rec rec = {(uint32_t)u.payload.len, h->src, u.sport};
	size_t need = sizeof(rec) + u.payload.len;
	if (s->count >= UDP_RXQ_DATAGRAMS || need > UDP_RXQ_BYTES - s->used) {
		NET_DROP(drop_udp_queue_full);
		return;
	}
	size_t tail = s->head + s->used;
	ring_put(s, tail, &rec, sizeof(rec));
	ring_put(s, tail + sizeof(rec), u.payload.p, u.payload.len);
	s->used += need;
	s->count++;
	net_counters.udp_rx_datagrams++;
	kiln_waitq_wake_one(&s->readers);
	/* Frames are received on the loop's stack (the device watcher), so
	 * the callback runs there too. It may read, send or close s: nothing
	 * here touches s afterwards. */
	if (s->on_readable)
		s->on_readable(s, s->on_readable_arg);
}

void udp_on_readable(struct udp_sock *s,
                     void (*fn)(struct udp_sock *s, void *arg), void *arg)
{
	s->on_readable = fn;
	s->on_readable_arg = fn ? arg : NULL;
}

/* Take the oldest queued datagram (there is one). */
static long dequeue(struct udp_sock *s, void *buf, size_t len, net_ipv4 *src,
                    uint16_t *sport)
{
	struct rxq_rec rec;
	ring_get(s, s->head, &rec, sizeof(rec));
	ring_get(s, s->head + sizeof(rec), buf, rec.len < len ? rec.len : len);
	size_t used = sizeof(rec) + rec.len;
	s->head = (s->head + used) % UDP_RXQ_BYTES;
	s->used -= used;
	s->count--;
	if (src)
		*src = rec.src;
	if (sport)
		*sport = rec.sport;
	return (long)rec.len;
}

long udp_recv_nowait(struct udp_sock *s, void *buf, size_t len, net_ipv4 *src,
                     uint16_t *sport)
{
	if (s->closed)
		return -KILN_ECLOSED;
	if (s->count == 0)
		return -KILN_EAGAIN;
	return dequeue(s, buf, len, src, sport);
}

long udp_recvfrom(struct udp_sock *s, void *buf, size_t len, net_ipv4 *src,
                  uint16_t *sport, kiln_time deadline)
{
	if (s->closed)
		return -KILN_ECLOSED;
	while (s->count == 0) {
		if (deadline <= kiln_now())
			return -KILN_ETIMEDOUT;
		if (!kiln_fiber_self())
			return -KILN_EAGAIN; /* a callback cannot park */
		s->waiters++;
		int r = kiln_waitq_wait(&s->readers, deadline);
		s->waiters--;
		if (s->closed) {
			/* Closed while we waited (see udp_close). */
			if (s->waiters == 0)
				free(s);
			return -KILN_ECLOSED;
		}
		if (r == -KILN_ETIMEDOUT && s->count == 0)
			return -KILN_ETIMEDOUT;
	}
	long n = dequeue(s, buf, len, src, sport);
	/* Another reader may be parked and more datagrams queued. */
	if (s->count)
		kiln_waitq_wake_one(&s->readers);
	return n;
}

long udp_sendto(struct udp_sock *s, net_ipv4 dst, uint16_t dport,
                const void *buf, size_t len)
{
	if (s->closed)
		return -KILN_ECLOSED;
	if (len > IPV4_MAX_LEN - IPV4_HDR_LEN - UDP_HDR_LEN)
		return -KILN_EMSGSIZE;
	/* On a fiber, let the loop send what is queued first when the
	 * pool runs low (see net_tx_frame). */
	size_t frames = (len + UDP_HDR_LEN) / (ipv4_payload_mtu() & ~7u) + 1;
	for (int i = 0; i < 4 && kiln_fiber_self() &&
	                (net_tx_pool_low() ||
	                 pktbuf_free_count() < frames + pktbuf_total() / 8);
	     i++)
		kiln_fiber_yield();
	net_ipv4 src = s->addr ? s->addr : net_if.addr;
	uint8_t hdr[UDP_HDR_LEN];
	udp_emit(hdr, sizeof(hdr), src, dst, s->port, dport, buf, len);
	struct net_chunk c[2] = {{hdr, sizeof(hdr), false}, {buf, len, false}};
	int err = ipv4_send(src, dst, NET_PROTO_UDP, c, 2, true);
	if (err)
		return err;
	net_counters.udp_tx_datagrams++;
	return (long)len;
}
