/*
 * probe - tries to reach past user-mode networking with hand-made frames,
 * all written from a fiber with the default (64 KiB) stack.
 *
 *   probe [--answer-udp=PORT] [--burst=N] [--timeout=SECONDS] TARGET...
 *
 * The app takes 198.18.0.15 (the address libslirp's DHCP hands out)
 * without asking, finds the gateway 198.18.0.1 by ARP and pings it: a
 * control, showing that frames flow and answers are seen. With
 * --answer-udp=PORT it then waits for a datagram to PORT (arriving through
 * a UDP port forward) and echoes it: the one kind of UDP the guest may
 * send. With --burst=N it writes N pings to the gateway back to back and
 * prints how many the platform took and how many echo replies came.
 * Then, for each TARGET -- tcp:ADDR:PORT, udp:ADDR:PORT or
 * icmp:ADDR -- it sends a TCP SYN, a UDP datagram (from a fresh port,
 * and with --answer-udp from PORT as well) or an ICMP echo request, three
 * times 200 ms apart, and prints one line about what came back within a
 * second: "TARGET: no answer" or "TARGET: " and what came (syn-ack, rst,
 * udp reply, echo reply, unreachable).
 *
 * Prints "done" and exits 0 at the end; exits 1 when --timeout (default
 * 30 s) passes first, 2 on bad arguments.
 */
#include <kiln/rt.h>
#include <kiln/view.h>
#include <string.h>

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define FRAME_SIZE 1514
#define BATCH 8
#define MY_ADDR 0xC612000Fu /* 198.18.0.15 */
#define GATEWAY 0xC6120001u /* 198.18.0.1 */
#define MAX_TARGETS 32

enum proto { P_TCP, P_UDP, P_ICMP };

struct target {
	const char *text;
	enum proto proto;
	uint32_t addr;
	uint16_t port;
};

static struct target targets[MAX_TARGETS];
static unsigned n_targets;
static uint64_t answer_port; /* 0: none */
static uint64_t burst;       /* pings in one go; 0: none */

static platform_handle dev;
static struct platform_net_info info;
static struct kiln_waitq input;
static uint8_t gw_mac[6];
static bool gw_known;
static kiln_time deadline;

/* What the frames seen so far answered. */
static struct {
	const struct target *t; /* the target being probed, or NULL */
	uint16_t sport[2];      /* our source ports for it */
	bool synack, rst, udp, echo, unreach;
	bool gw_echo;          /* the control ping */
	bool udp_answered;     /* --answer-udp done */
	unsigned burst_echoes; /* answers to the --burst pings */
} seen;

static void on_ready(void *arg)
{
	(void)arg;
	kiln_waitq_wake_all(&input);
}

/* ----------------------------------------------------------- building */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Set while a burst is written: congestion is expected and counted. */
static bool bursting;

static enum platform_result send_frame(const uint8_t *f, size_t len)
{
	/* Padded to Ethernet's minimum of 60 bytes. */
	static uint8_t padded[FRAME_SIZE];
	memset(padded, 0, 60);
	memcpy(padded, f, len);
	if (len < 60)
		len = 60;
	/* The write that used to run libslirp on this fiber's stack. */
	enum platform_result r = platform_net_write(dev, padded, len);
	if (r != PLATFORM_OK && !bursting)
		kiln_printf("write failed (%d)\n", r);
	return r;
}

/* An IPv4 packet of proto to dst with payload l4 (len bytes, its
 * checksum field at csum_off, -1 for none), in a frame to the gateway. */
static enum platform_result send_ipv4(uint8_t proto, uint32_t dst, uint8_t *l4,
                                      size_t len, int csum_off)
{
	static uint8_t f[FRAME_SIZE];
	static uint16_t ip_id;
	memset(f, 0, 14 + 20);
	memcpy(f, gw_mac, 6);
	memcpy(f + 6, info.mac, 6);
	put16(f + 12, ETH_IPV4);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + len));
	put16(ip + 4, ++ip_id);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, MY_ADDR);
	put32(ip + 16, dst);
	put16(ip + 10, fold(sum16(0, ip, 20)));
	if (csum_off >= 0) {
		/* TCP and UDP: over a pseudo header too. */
		uint32_t s = sum16(0, ip + 12, 8) + proto + (uint32_t)len;
		put16(l4 + csum_off, 0);
		uint16_t c = fold(sum16(s, l4, len));
		if (proto == 17 && c == 0)
			c = 0xffff;
		put16(l4 + csum_off, c);
	}
	memcpy(ip + 20, l4, len);
	return send_frame(f, 14 + 20 + len);
}

static void send_syn(uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint8_t t[20] = {0};
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, 0x6b696c6e);
	t[12] = 5 << 4;
	t[13] = 0x02; /* SYN */
	put16(t + 14, 65535);
	send_ipv4(6, dst, t, sizeof(t), 16);
}

static void send_udp(uint32_t dst, uint16_t sport, uint16_t dport,
                     const uint8_t *data, size_t n)
{
	uint8_t u[8 + 512];
	if (n > 512)
		n = 512;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + n));
	memcpy(u + 8, data, n);
	send_ipv4(17, dst, u, 8 + n, 6);
}

static enum platform_result send_ping(uint32_t dst, uint16_t id, uint16_t seq)
{
	uint8_t m[8 + 16] = {8, 0};
	put16(m + 4, id);
	put16(m + 6, seq);
	memcpy(m + 8, "kiln probe ping", 16);
	put16(m + 2, fold(sum16(0, m, sizeof(m))));
	return send_ipv4(1, dst, m, sizeof(m), -1);
}

static void send_arp(uint16_t op, const uint8_t *tha, uint32_t tpa)
{
	uint8_t f[14 + 28];
	memset(f, 0xff, 6);
	if (op == 2)
		memcpy(f, tha, 6);
	memcpy(f + 6, info.mac, 6);
	put16(f + 12, ETH_ARP);
	uint8_t *a = f + 14;
	put16(a, 1);
	put16(a + 2, ETH_IPV4);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, info.mac, 6);
	put32(a + 14, MY_ADDR);
	memset(a + 18, 0, 6);
	if (op == 2)
		memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	send_frame(f, sizeof(f));
}

/* ------------------------------------------------------------ reading */

static void arp_frame(struct kiln_view v)
{
	uint16_t htype, ptype, op;
	uint8_t hlen, plen, sha[6];
	uint32_t spa, tpa;
	if (!kiln_view_u16(&v, &htype) || !kiln_view_u16(&v, &ptype) ||
	    !kiln_view_u8(&v, &hlen) || !kiln_view_u8(&v, &plen) ||
	    !kiln_view_u16(&v, &op) || !kiln_view_copy(&v, sha, 6) ||
	    !kiln_view_u32(&v, &spa) || !kiln_view_skip(&v, 6) ||
	    !kiln_view_u32(&v, &tpa) || hlen != 6 || plen != 4)
		return;
	if (op == 2 && spa == GATEWAY && tpa == MY_ADDR) {
		memcpy(gw_mac, sha, 6);
		gw_known = true;
	} else if (op == 1 && tpa == MY_ADDR) {
		send_arp(2, sha, spa);
	}
}

static void ipv4_frame(struct kiln_view v)
{
	uint8_t vihl, proto;
	uint16_t total;
	uint32_t src, dst;
	struct kiln_view ip = v, l4;
	if (!kiln_view_u8(&ip, &vihl) || (vihl >> 4) != 4 ||
	    !kiln_view_skip(&ip, 1) || !kiln_view_u16(&ip, &total) ||
	    !kiln_view_skip(&ip, 5) || !kiln_view_u8(&ip, &proto) ||
	    !kiln_view_skip(&ip, 2) || !kiln_view_u32(&ip, &src) ||
	    !kiln_view_u32(&ip, &dst))
		return;
	size_t ihl = (size_t)(vihl & 15) * 4;
	if (dst != MY_ADDR || ihl < 20 || total < ihl ||
	    !kiln_view_sub(&v, ihl, total - ihl, &l4))
		return;
	const struct target *t = seen.t;
	uint16_t sport, dport;
	if (proto == 1) {
		uint8_t type, code;
		uint16_t sum, id;
		if (!kiln_view_u8(&l4, &type) || !kiln_view_u8(&l4, &code) ||
		    !kiln_view_u16(&l4, &sum) || !kiln_view_u16(&l4, &id))
			return;
		if (type == 0 && src == GATEWAY && id == 1)
			seen.gw_echo = true;
		else if (type == 0 && src == GATEWAY && id == 3)
			seen.burst_echoes++;
		else if (type == 0 && t && src == t->addr && id == 2)
			seen.echo = true;
		else if (type == 3 && t) {
			/* The quoted header: is it about our probe? */
			uint32_t qdst;
			if (kiln_view_skip(&l4, 2 + 16) &&
			    kiln_view_u32(&l4, &qdst) && qdst == t->addr)
				seen.unreach = true;
		}
		return;
	}
	if (!kiln_view_u16(&l4, &sport) || !kiln_view_u16(&l4, &dport))
		return;
	if (proto == 17 && answer_port && dport == answer_port &&
	    !seen.udp_answered && src == GATEWAY && t == NULL) {
		uint16_t len;
		if (!kiln_view_u16(&l4, &len) || !kiln_view_skip(&l4, 2) ||
		    len < 8 || len - 8u > l4.len)
			return;
		send_udp(src, dport, sport, l4.p, len - 8u);
		kiln_printf("answered udp from 198.18.0.1:%u to port %u\n",
		            sport, dport);
		seen.udp_answered = true;
		return;
	}
	if (t == NULL || src != t->addr || sport != t->port ||
	    (dport != seen.sport[0] && dport != seen.sport[1]))
		return;
	uint32_t seq, ack;
	uint8_t off, flags;
	if (proto == 17)
		seen.udp = true;
	else if (proto == 6 && kiln_view_u32(&l4, &seq) &&
	         kiln_view_u32(&l4, &ack) && kiln_view_u8(&l4, &off) &&
	         kiln_view_u8(&l4, &flags)) {
		if ((flags & 0x12) == 0x12)
			seen.synack = true;
		if (flags & 0x04)
			seen.rst = true;
	}
}

/* Read and handle frames until until, or until *done turns true. Exits
 * 1 when the run's deadline passes. */
static void pump(kiln_time until, const bool *done)
{
	static uint8_t buf[BATCH][FRAME_SIZE];
	for (;;) {
		if (kiln_now() >= deadline) {
			kiln_puts("timeout");
			platform_exit(1);
		}
		struct platform_frame in[BATCH] = {0};
		for (int i = 0; i < BATCH; i++) {
			in[i].data = buf[i];
			in[i].size = FRAME_SIZE;
			in[i].len = 0;
		}
		int n = platform_net_read_batch(dev, in, BATCH);
		for (int i = 0; i < n; i++) {
			struct kiln_view v =
			        kiln_view_make(in[i].data, in[i].len);
			uint16_t type;
			if (!kiln_view_skip(&v, 12) ||
			    !kiln_view_u16(&v, &type))
				continue;
			if (type == ETH_ARP)
				arp_frame(v);
			else if (type == ETH_IPV4)
				ipv4_frame(v);
		}
		if (done && *done)
			return;
		if (n > 0)
			continue;
		if (kiln_now() >= until)
			return;
		kiln_time wake = until < deadline ? until : deadline;
		kiln_waitq_wait(&input, wake);
	}
}

/* ------------------------------------------------------------- probing */

static void probe(const struct target *t, uint16_t fresh_port)
{
	seen.t = t;
	seen.synack = seen.rst = seen.udp = seen.echo = seen.unreach = false;
	seen.sport[0] = fresh_port;
	seen.sport[1] = answer_port ? (uint16_t)answer_port : fresh_port;
	static const uint8_t data[] = "kiln probe datagram";
	kiln_time end = kiln_now() + KILN_MSEC(1000);
	for (int i = 0; i < 3; i++) {
		if (t->proto == P_TCP)
			send_syn(t->addr, fresh_port, t->port);
		else if (t->proto == P_ICMP)
			send_ping(t->addr, 2, 1);
		else {
			send_udp(t->addr, fresh_port, t->port, data,
			         sizeof(data) - 1);
			if (answer_port)
				send_udp(t->addr, (uint16_t)answer_port,
				         t->port, data, sizeof(data) - 1);
		}
		pump(kiln_now() + KILN_MSEC(200), NULL);
	}
	pump(end, NULL);
	kiln_printf("%s:", t->text);
	if (!(seen.synack || seen.rst || seen.udp || seen.echo || seen.unreach))
		kiln_printf(" no answer");
	if (seen.synack)
		kiln_printf(" syn-ack");
	if (seen.rst)
		kiln_printf(" rst");
	if (seen.udp)
		kiln_printf(" udp reply");
	if (seen.echo)
		kiln_printf(" echo reply");
	if (seen.unreach)
		kiln_printf(" unreachable");
	kiln_printf("\n");
	seen.t = NULL;
}

static void prober(void *arg)
{
	(void)arg;
	/* The gateway's MAC, then the control ping. */
	for (int i = 0; i < 10 && !gw_known; i++) {
		send_arp(1, NULL, GATEWAY);
		pump(kiln_now() + KILN_MSEC(300), &gw_known);
	}
	if (!gw_known) {
		kiln_puts("no ARP answer from the gateway");
		platform_exit(1);
	}
	for (int i = 0; i < 10 && !seen.gw_echo; i++) {
		send_ping(GATEWAY, 1, 1);
		pump(kiln_now() + KILN_MSEC(300), &seen.gw_echo);
	}
	kiln_puts(seen.gw_echo ? "gateway: echo reply" : "gateway: no answer");
	if (burst) {
		/* Pings back to back, no yield between: the platform takes
		 * what it can queue and calls the rest congested. */
		unsigned taken = 0, again = 0;
		bursting = true;
		for (uint64_t i = 0; i < burst; i++) {
			enum platform_result r =
			        send_ping(GATEWAY, 3, (uint16_t)i);
			taken += r == PLATFORM_OK;
			again += r == PLATFORM_AGAIN;
		}
		bursting = false;
		kiln_printf("burst: %u taken, %u congested\n", taken, again);
		pump(kiln_now() + KILN_MSEC(1000), NULL);
		kiln_printf("burst: %u echo replies\n", seen.burst_echoes);
	}
	if (answer_port) {
		kiln_puts("waiting for udp");
		pump(deadline, &seen.udp_answered);
	}
	for (unsigned i = 0; i < n_targets; i++)
		probe(&targets[i], (uint16_t)(40000 + i));
	kiln_puts("done");
}

/* --------------------------------------------------------------- main */

/* "A.B.C.D" then, if port, ":PORT". */
static bool parse_addr(const char *s, uint32_t *addr, uint16_t *port)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || v > 255)
			return false;
		a = a << 8 | v;
		if (i < 3 && *s++ != '.')
			return false;
	}
	*addr = a;
	if (port == NULL)
		return *s == '\0';
	if (*s++ != ':')
		return false;
	unsigned long p = 0;
	unsigned digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 6) {
		p = p * 10 + (unsigned long)(*s++ - '0');
		digits++;
	}
	if (*s != '\0' || digits == 0 || p == 0 || p > 65535)
		return false;
	*port = (uint16_t)p;
	return true;
}

static bool parse_target(const char *s, struct target *t)
{
	t->text = s;
	t->port = 0;
	if (strncmp(s, "tcp:", 4) == 0) {
		t->proto = P_TCP;
		return parse_addr(s + 4, &t->addr, &t->port);
	}
	if (strncmp(s, "udp:", 4) == 0) {
		t->proto = P_UDP;
		return parse_addr(s + 4, &t->addr, &t->port);
	}
	if (strncmp(s, "icmp:", 5) == 0) {
		t->proto = P_ICMP;
		return parse_addr(s + 5, &t->addr, NULL);
	}
	return false;
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t timeout = 30;
	if (!kiln_arg_uint("--timeout", 1, 3600, &timeout) ||
	    !kiln_arg_uint("--answer-udp", 1, 65535, &answer_port) ||
	    !kiln_arg_uint("--burst", 1, 100000, &burst))
		return 2;
	const char *w;
	while ((w = kiln_arg_word(n_targets)) != NULL) {
		if (n_targets == MAX_TARGETS ||
		    !parse_target(w, &targets[n_targets])) {
			kiln_printf("bad target '%s' (tcp:A.B.C.D:PORT, "
			            "udp:A.B.C.D:PORT or icmp:A.B.C.D; at most "
			            "%d)\n",
			            w, MAX_TARGETS);
			return 2;
		}
		n_targets++;
	}
	kiln_args_check();
	enum platform_result r = platform_net_acquire("net0", &dev, &info);
	if (r != PLATFORM_OK) {
		kiln_printf("net0: acquire failed (%d)\n", r);
		return 1;
	}
	kiln_waitq_init(&input);
	kiln_device_watch(dev, on_ready, NULL);
	deadline = kiln_now() + KILN_SEC(timeout);
	/* Stack size 0: the default, which libslirp's input path would
	 * overflow if the platform ran it here. */
	struct kiln_fiber *f = kiln_fiber_spawn("prober", prober, NULL, 0);
	if (f == NULL) {
		kiln_puts("cannot start the prober fiber");
		return 1;
	}
	kiln_fiber_join(f);
	return 0;
}
