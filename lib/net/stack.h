/*
 * lib/net/stack.h - what the layers of the stack offer each other inside
 * lib/net (not part of the public API in include/kiln/net.h).
 *
 * The IP layer (ipv4.c and friends) sends packets for the transport
 * protocols and hands them what arrives; TCP (tcp*.c) implements the
 * receiving half declared here. Keeping this seam narrow lets TCP be
 * tested on the host with a scripted IP layer.
 */
#ifndef KILN_NET_STACK_H
#define KILN_NET_STACK_H

#include <kiln/net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IP protocol numbers. */
#define NET_PROTO_ICMP 1
#define NET_PROTO_TCP 6
#define NET_PROTO_UDP 17

/* A piece of an outgoing payload; pieces are sent back to back. lent:
 * the bytes outlive the frame (TCP's lent runs, tcp_send_static), so a
 * device with TX_SG may send them from where they lie. */
struct net_chunk {
	const void *data;
	size_t len;
	bool lent;
};

/*
 * Send an IPv4 packet from src (0: the interface's address) to dst whose
 * payload is the concatenation of the n chunks (the transport header,
 * checksum already filled in, then data). The IP layer adds its header,
 * resolves the next hop (queueing the packet while ARP is pending) and
 * fragments nothing: the payload must fit ipv4_payload_mtu().
 * Returns 0, or -KILN_EHOSTUNREACH, -KILN_ENOMEM, -KILN_EMSGSIZE.
 */
int ipv4_output(net_ipv4 src, net_ipv4 dst, uint8_t proto,
                const struct net_chunk *chunks, unsigned n);

/* Largest IP payload one packet can carry on the interface (MTU - 20). */
size_t ipv4_payload_mtu(void);

/*
 * Offloads (kiln/platform.h): does the device finish TCP checksums we
 * leave partial, and the largest TCP payload one segment may carry for the
 * device to cut (0 when it cuts nothing).
 */
bool net_tx_csum_offload(void);
size_t net_tso_max_payload(void);

/*
 * As ipv4_output for TCP, with the checksum left to the device: the TCP
 * header in chunks[0] holds the folded pseudo-header sum. gso_size, when
 * not 0, is the payload per segment the device cuts the packet into (the
 * payload may then be up to 65515 bytes).
 */
int ipv4_output_tcp_offload(net_ipv4 src, net_ipv4 dst,
                            const struct net_chunk *chunks, unsigned n,
                            uint16_t gso_size);

/* Set for the frame being handled when the host vouched for its TCP
 * checksum (or the packet never crossed a wire): TCP skips checking it. */
extern bool net_rx_csum_trusted;

/*
 * Waiting for packet buffers. Every packet sent takes a buffer from one
 * fixed pool until the frame has left; a sender of bulk data (TCP) that
 * finds the pool down to its reserve stops, queues a waiter and carries
 * on from the callback once frames have gone out and buffers are free
 * again. Waiters are called in the order they queued (each connection
 * gets its turn), always from the loop itself, never from inside a send.
 */
struct net_buf_waiter {
	struct net_buf_waiter *next;
	bool queued;
	void (*fn)(struct net_buf_waiter *w);
};
/* May bulk data take a buffer now? False once the free buffers are down
 * to the reserve kept for received frames, ACKs and control packets. */
bool net_tx_room(void);
/* Is there a buffer at all (for an ACK or other control packet)? */
bool net_tx_any_buffer(void);
/* Queue w to be called back when buffers are free (no-op if queued). */
void net_buf_wait(struct net_buf_waiter *w);
/* Take w off the queue (its owner is going away); no-op if not queued. */
void net_buf_wait_cancel(struct net_buf_waiter *w);

/* The stack's counters (public view: net_get_counters). */
extern struct net_counters net_counters;

/* Count one dropped packet: bumps the named counter and rx_dropped. */
#define NET_DROP(field)                                                        \
	do {                                                                   \
		net_counters.field++;                                          \
		net_counters.rx_dropped++;                                     \
	} while (0)

/*
 * Implemented by TCP: a segment arrived for us. seg/len is the TCP header
 * and data (len from the IP header, IP options already skipped). TCP
 * verifies the checksum itself, with the pseudo-header of src and dst.
 */
void tcp_input(net_ipv4 src, net_ipv4 dst, const uint8_t *seg, size_t len);

/*
 * Implemented by TCP: an ICMP destination-unreachable or similar error
 * quoted this TCP header (the first 8 bytes of the original segment, at
 * least). TCP may abort a connection still in SYN-SENT.
 */
void tcp_icmp_error(net_ipv4 src, net_ipv4 dst, const uint8_t *quoted,
                    size_t len, uint8_t type, uint8_t code);

#endif /* KILN_NET_STACK_H */
