/*
 * tests/tcp/impair.c - an impairment bridge (what netem does, in user
 * space: this kernel has no sch_netem).
 *
 * usage: impair IFACE TAP [options]
 *
 * Frames arriving on IFACE (an existing interface: the unikernel's tap,
 * or one end of a veth pair; read and written through an AF_PACKET
 * socket) go out on TAP, a tap device this process creates and Linux
 * uses; frames Linux sends on TAP go back out on IFACE. In both
 * directions, from a seeded generator (the same seed, the same fate for
 * the same sequence of frames):
 *   --loss=P       drop with probability P (0..1)
 *   --dup=P        send twice
 *   --corrupt=P    flip one random bit past the Ethernet header (the
 *                  IP or TCP checksum then fails: a loss for TCP)
 *   --delay=MS     hold every frame MS milliseconds ...
 *   --jitter=MS    ... plus a uniform 0..MS
 *   --reorder=P    ... except a fraction P sent at once, overtaking the
 *                  held ones (netem's "delay D reorder P")
 *   --rate=MBIT    serialise at MBIT Mbit/s (0: unlimited)
 *   --seed=N
 * Frames longer than --mtu (1500) plus the Ethernet header are GSO
 * frames (a TSO or GRO aggregate): they are refused and counted
 * (gso_refused), since an aggregate is not one wire packet and would
 * take its impairments as one; run the endpoints with offloads off.
 * Prints "ready" when both ends are up; on SIGTERM or SIGINT prints the
 * counts and exits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 65536

struct pending {
	uint64_t due;
	uint64_t n; /* arrival order, to keep FIFO among equal times */
	int dir;    /* 0: to TAP (Linux), 1: to IFACE */
	uint16_t len;
	uint8_t *frame;
};

static struct pending *heap;
static size_t heap_n, heap_cap;
static double p_loss, p_dup, p_corrupt, p_reorder;
static uint64_t delay_ns, jitter_ns;
static double rate_bps;
static uint64_t next_free[2]; /* serialisation: link busy until */
static uint64_t rng = 0x2545f4914f6cdd1dull;
static size_t mtu = 1500;
static volatile sig_atomic_t stop;
static struct {
	uint64_t in, out, lost, dup, corrupt, reordered, gso_refused,
	        write_errors;
} st[2];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd64(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static double rnd(void)
{
	return (double)(rnd64() >> 11) / (double)(1ull << 53);
}

static int before(const struct pending *a, const struct pending *b)
{
	return a->due < b->due || (a->due == b->due && a->n < b->n);
}

static void heap_push(struct pending p)
{
	if (heap_n == heap_cap) {
		heap_cap = heap_cap ? 2 * heap_cap : 1024;
		heap = realloc(heap, heap_cap * sizeof(*heap));
		if (!heap) {
			perror("impair: realloc");
			exit(1);
		}
	}
	size_t i = heap_n++;
	heap[i] = p;
	while (i && before(&heap[i], &heap[(i - 1) / 2])) {
		struct pending t = heap[i];
		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct pending heap_pop(void)
{
	struct pending top = heap[0];
	heap[0] = heap[--heap_n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < heap_n && before(&heap[l], &heap[m]))
			m = l;
		if (r < heap_n && before(&heap[r], &heap[m]))
			m = r;
		if (m == i)
			break;
		struct pending t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
	return top;
}

static int fds[2]; /* 0: tap (to Linux), 1: packet socket (to IFACE) */

static void emit(int dir, const uint8_t *f, size_t len)
{
	ssize_t n = write(fds[dir], f, len);
	if (n != (ssize_t)len)
		st[dir].write_errors++;
	else
		st[dir].out++;
}

static uint64_t order;

/* A frame bound for direction dir arrived now. */
static void impair(int dir, const uint8_t *f, size_t len, uint64_t now)
{
	st[dir].in++;
	if (len > mtu + 14) {
		st[dir].gso_refused++;
		return;
	}
	if (p_loss > 0 && rnd() < p_loss) {
		st[dir].lost++;
		return;
	}
	int copies = 1;
	if (p_dup > 0 && rnd() < p_dup) {
		copies = 2;
		st[dir].dup++;
	}
	for (int c = 0; c < copies; c++) {
		uint8_t *b = malloc(len);
		if (!b)
			return;
		memcpy(b, f, len);
		if (p_corrupt > 0 && len > 14 && rnd() < p_corrupt) {
			size_t at = 14 + (size_t)(rnd64() % (len - 14));
			b[at] ^= (uint8_t)(1u << (rnd64() % 8));
			st[dir].corrupt++;
		}
		uint64_t d = delay_ns;
		if (jitter_ns)
			d += rnd64() % jitter_ns;
		if (p_reorder > 0 && rnd() < p_reorder) {
			d = 0;
			st[dir].reordered++;
		}
		uint64_t due = now + d;
		if (rate_bps > 0) {
			uint64_t tx = (uint64_t)((double)len * 8e9 / rate_bps);
			uint64_t start =
			        next_free[dir] > due ? next_free[dir] : due;
			next_free[dir] = start + tx;
			due = start + tx;
		}
		if (due <= now && !heap_n) {
			emit(dir, b, len);
			free(b);
			continue;
		}
		struct pending p = {due, ++order, dir, (uint16_t)len, b};
		heap_push(p);
	}
}

/* A frame Linux handed over with its checksum left to the device
 * (CHECKSUM_PARTIAL on a veth): finish the TCP or UDP checksum, which
 * the other side would otherwise see as corrupt. */
static void finish_csum(uint8_t *f, size_t len)
{
	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	size_t tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || tot > len - 14 || tot < ihl || (ip[6] & 0x3f) || ip[7])
		return;
	uint8_t proto = ip[9];
	size_t l4 = tot - ihl, off;
	if (proto == 6 && l4 >= 20)
		off = 16;
	else if (proto == 17 && l4 >= 8)
		off = 6;
	else
		return;
	uint8_t *t = ip + ihl;
	t[off] = t[off + 1] = 0;
	uint32_t sum = 0;
	for (int i = 12; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	sum += proto + (uint32_t)l4;
	for (size_t i = 0; i + 1 < l4; i += 2)
		sum += (uint32_t)t[i] << 8 | t[i + 1];
	if (l4 & 1)
		sum += (uint32_t)t[l4 - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t c = (uint16_t)~sum;
	if (proto == 17 && !c)
		c = 0xffff;
	t[off] = (uint8_t)(c >> 8);
	t[off + 1] = (uint8_t)c;
}

/* Read one frame from the packet socket, its checksum finished. */
static ssize_t read_pkt(int fd, uint8_t *buf, size_t size)
{
	struct iovec iov = {buf, size};
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} cb;
	struct msghdr mh;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &cb;
	mh.msg_controllen = sizeof(cb);
	ssize_t n = recvmsg(fd, &mh, 0);
	if (n <= 0)
		return n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
	     c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_PACKET ||
		    c->cmsg_type != PACKET_AUXDATA)
			continue;
		struct tpacket_auxdata a;
		memcpy(&a, CMSG_DATA(c), sizeof(a));
		if (a.tp_status & TP_STATUS_CSUMNOTREADY)
			finish_csum(buf, (size_t)n);
	}
	return n;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double arg_d(const char *a, const char *name, double cur)
{
	size_t n = strlen(name);
	if (strncmp(a, name, n) || a[n] != '=')
		return cur;
	char *end;
	double v = strtod(a + n + 1, &end);
	if (*end || v < 0) {
		fprintf(stderr, "impair: bad %s\n", a);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: impair IFACE TAP [--loss=P ...]\n");
		return 2;
	}
	double delay_ms = 0, jitter_ms = 0, mbit = 0, seed = 1, m = 1500;
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) || !strchr(a, '=')) {
			fprintf(stderr, "impair: unknown argument %s\n", a);
			return 2;
		}
		p_loss = arg_d(a, "--loss", p_loss);
		p_dup = arg_d(a, "--dup", p_dup);
		p_corrupt = arg_d(a, "--corrupt", p_corrupt);
		p_reorder = arg_d(a, "--reorder", p_reorder);
		delay_ms = arg_d(a, "--delay", delay_ms);
		jitter_ms = arg_d(a, "--jitter", jitter_ms);
		mbit = arg_d(a, "--rate", mbit);
		seed = arg_d(a, "--seed", seed);
		m = arg_d(a, "--mtu", m);
	}
	delay_ns = (uint64_t)(delay_ms * 1e6);
	jitter_ns = (uint64_t)(jitter_ms * 1e6);
	rate_bps = mbit * 1e6;
	mtu = (size_t)m;
	rng ^= (uint64_t)seed * 0x9e3779b97f4a7c15ull;
	if (!rng)
		rng = 1;

	int tap = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
	if (tap < 0) {
		perror("impair: /dev/net/tun");
		return 1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
	if (ioctl(tap, TUNSETIFF, &ifr) < 0) {
		perror("impair: TUNSETIFF");
		return 1;
	}
	int pkt = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (pkt < 0) {
		perror("impair: AF_PACKET");
		return 1;
	}
	int one = 1, big = 8 << 20;
	setsockopt(pkt, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(pkt, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	setsockopt(pkt, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(pkt, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!sll.sll_ifindex ||
	    bind(pkt, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("impair: bind IFACE");
		return 1;
	}
	fds[0] = tap;
	fds[1] = pkt;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready\n");
	fflush(stdout);

	static uint8_t buf[FRAME_MAX];
	while (!stop) {
		uint64_t now = now_ns();
		while (heap_n && heap[0].due <= now) {
			struct pending p = heap_pop();
			emit(p.dir, p.frame, p.len);
			free(p.frame);
		}
		int timeout = 1000;
		if (heap_n) {
			uint64_t w = heap[0].due - now;
			timeout = (int)(w / 1000000);
		}
		struct pollfd pf[2] = {{tap, POLLIN, 0}, {pkt, POLLIN, 0}};
		if (timeout == 0 && heap_n) {
			/* Sub-millisecond wait: spin with poll(0). */
			poll(pf, 2, 0);
		} else if (poll(pf, 2, timeout) < 0 && errno != EINTR) {
			perror("impair: poll");
			return 1;
		}
		now = now_ns();
		/* Frames from Linux (the tap) go to IFACE, and back. */
		for (int k = 0; k < 2; k++) {
			if (!(pf[k].revents & POLLIN))
				continue;
			for (int i = 0; i < 256; i++) {
				ssize_t n =
				        k ? read_pkt(fds[k], buf, sizeof(buf))
				          : read(fds[k], buf, sizeof(buf));
				if (n <= 0)
					break;
				impair(k == 0 ? 1 : 0, buf, (size_t)n, now);
			}
		}
	}
	static const char *name[2] = {"to_tap", "to_iface"};
	for (int d = 0; d < 2; d++)
		printf("%s in %llu out %llu lost %llu dup %llu corrupt %llu "
		       "reordered %llu gso_refused %llu write_errors %llu\n",
		       name[d], (unsigned long long)st[d].in,
		       (unsigned long long)st[d].out,
		       (unsigned long long)st[d].lost,
		       (unsigned long long)st[d].dup,
		       (unsigned long long)st[d].corrupt,
		       (unsigned long long)st[d].reordered,
		       (unsigned long long)st[d].gso_refused,
		       (unsigned long long)st[d].write_errors);
	return 0;
}
