/*
 * lib/net/iface.h - the interface's internals shared by the files of
 * lib/net below TCP: packet buffers, the device, ARP, IPv4, fragment
 * reassembly, ICMP, UDP and the DHCP client. Not a public header.
 */
#ifndef KILN_NET_IFACE_H
#define KILN_NET_IFACE_H

#include "stack.h"
#include "wire/arp.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"
#include <kiln/net.h>
#include <kiln/rt.h>

#define NET_SUBSYS "net"

/* ------------------------------------------------------- packet buffers */

/*
 * A fixed pool of frame-sized buffers, allocated once by net_start. A
 * buffer is on exactly one list at a time: the free list, the transmit
 * queue, an ARP entry's pending queue, or in a caller's hands.
 */
struct pktbuf {
	struct pktbuf *next;
	uint8_t *data; /* pktbuf_size bytes */
	size_t len;    /* bytes used, from data[0] (the Ethernet header) */
	struct platform_net_meta meta; /* offloads asked of the device */
	/* With the device's TX_SG on, a frame may be pieces (n_iov > 0):
	 * the headers (and any copied bytes) in data, and bytes lent by
	 * TCP (tcp_send_static) where they lie. len is then the frame's
	 * total. */
	unsigned n_iov;
	struct platform_iov iov[PLATFORM_NET_IOV_MAX];
};

#define PKTBUF_DEFAULT_COUNT 256
#define PKTBUF_LARGE_COUNT 64 /* when buffers hold 64 KiB frames */

extern size_t pktbuf_size;
/* Allocate count buffers of size bytes each; -KILN_ENOMEM on failure. */
int pktbuf_pool_init(unsigned count, size_t size);
/* A free buffer, or NULL when the pool is exhausted (the caller counts
 * drop_no_buffer). */
struct pktbuf *pktbuf_get(void);
void pktbuf_put(struct pktbuf *b);
/* Return a whole list (linked by next). */
void pktbuf_put_list(struct pktbuf *head);
unsigned pktbuf_free_count(void);
unsigned pktbuf_total(void);
/* Is any sender waiting for buffers (net_buf_wait)? */
bool pktbuf_waiters(void);
/* Call back waiters in turn while net_tx_room() holds, each at most once;
 * returns how many. Only from the loop (the transmit flush), never from
 * inside a send: a waiter sends again. */
unsigned pktbuf_wake_waiters(void);

/* ------------------------------------------------------------ interface */

struct net_iface {
	bool started;
	platform_handle dev;
	uint8_t mac[ETH_ADDR_LEN];
	uint16_t mtu;
	uint32_t offloads; /* PLATFORM_NET_OFF_* turned on */
	net_ipv4 addr;     /* 0 while unconfigured (DHCP in progress) */
	unsigned prefix;
	net_ipv4 gateway;
	struct kiln_waitq configured; /* woken when addr becomes set */
};
extern struct net_iface net_if;

/* Set or clear (addr 0) the address; logs and announces it. */
void net_configure(net_ipv4 addr, unsigned prefix, net_ipv4 gateway);

/* The subnet mask and broadcast of the configured prefix. */
net_ipv4 net_mask(void);
bool net_is_broadcast(net_ipv4 a);

/* Queue a finished frame (b->len bytes from b->data) for the next batch
 * send; takes ownership. */
void net_tx_frame(struct pktbuf *b);
void net_tx_init(void);
/* True when queued frames hold most of the pool. */
bool net_tx_pool_low(void);
/* Send what is queued now (also the before-yield hook). */
void net_tx_flush(void *arg);
/* Handle one received frame (the receive path's entry point). */
void net_rx_frame(const uint8_t *frame, size_t len);
/* The device watcher: read frames in batches and handle them. */
void net_rx_ready(void *arg);

/* ------------------------------------------------------------------ ARP */

#define ARP_CACHE_SIZE 32 /* resolved neighbours */
#define ARP_LOOKUPS 8     /* addresses being resolved (their own pool) */
#define ARP_HINTS 8       /* recent requesters, used if we answer them */
#define ARP_HINT_LIFETIME KILN_SEC(10)
#define ARP_DEFEND_INTERVAL KILN_SEC(10) /* RFC 5227 DEFEND_INTERVAL */
#define ARP_PENDING_MAX 4 /* packets queued per unresolved address */
#define ARP_RETRIES 3     /* requests after the first */
#define ARP_RETRY_INTERVAL KILN_MSEC(500)
#define ARP_ENTRY_LIFETIME KILN_SEC(60)

void arp_init(void);
void arp_input(struct kiln_view payload);
/* Send the frame in b (IPv4 packet at data + 14, Ethernet header to be
 * filled in) to next_hop, resolving it first if needed. Takes ownership.
 * Returns 0 or -KILN_ENOMEM (dropped: the address's queue was full). */
int arp_output(net_ipv4 next_hop, struct pktbuf *b);
/* Broadcast a gratuitous ARP request for our address. */
void arp_announce(void);
/* Address conflict detection (RFC 5227): arp_probe sends a probe for ip
 * (sender 0.0.0.0) and watches for anyone else using or probing for it;
 * arp_probe_conflict says whether someone did; arp_probe_done stops. */
void arp_probe(net_ipv4 ip);
bool arp_probe_conflict(void);
void arp_probe_done(void);
/* Forget every entry (the address changed). */
void arp_flush(void);

/* ----------------------------------------------------------------- IPv4 */

void ipv4_input(struct kiln_view packet);
/* ipv4_output (stack.h) plus fragmentation when allow_frag; proto
 * payload of any length up to 65515 bytes. */
int ipv4_send(net_ipv4 src, net_ipv4 dst, uint8_t proto,
              const struct net_chunk *chunks, unsigned n, bool allow_frag);
/* Deliver a complete datagram (reassembled or not) to its protocol. */
void ipv4_deliver(const struct ipv4_hdr *h, struct kiln_view packet);

/* -------------------------------------------------- fragment reassembly */

#define FRAG_DEFAULT_SLOTS 4
#define FRAG_MAX_PIECES 64
#define FRAG_TIMEOUT KILN_SEC(5)

int frag_init(unsigned slots);
/* Take one fragment (packet is its whole IP packet). When it completes
 * a datagram, returns true and sets *h and *payload to the reassembled
 * datagram (valid until the next call). Counts its own drops. */
bool frag_input(const struct ipv4_hdr *frag, struct ipv4_hdr *h,
                struct kiln_view *payload);

/* ----------------------------------------------------------------- ICMP */

#define ICMP_ERROR_BURST 50
#define ICMP_ERROR_PER_SEC 100

void icmp_input(const struct ipv4_hdr *h, struct kiln_view packet);
/* Send a destination unreachable quoting packet (the offending datagram
 * from its IP header on), rate-limited. */
void icmp_send_unreach(const struct ipv4_hdr *h, struct kiln_view packet,
                       uint8_t code);

/* ------------------------------------------------------------------ UDP */

#define UDP_RXQ_BYTES (96 * 1024)
#define UDP_RXQ_DATAGRAMS 256
#define UDP_MAX_SOCKETS 64

void udp_input(const struct ipv4_hdr *h, struct kiln_view packet);

/* ----------------------------------------------------------------- DHCP */

/* Start the DHCP client fiber; net_if.configured is woken on the first
 * lease. */
int dhcp_start(void);

/* A random number from lib/rt's CSPRNG (xids, IP ids, ephemeral ports). */
uint32_t net_random(void);

#endif /* KILN_NET_IFACE_H */
