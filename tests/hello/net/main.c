/*
 * nettest - proves a target's network device path with raw frames (the
 * real IP stack lives in lib/net; this app needs none of it).
 *
 *   echo   answer each frame of EtherType 0x88b5 whose payload starts
 *          with "ping" by a frame back to its sender saying "pong...";
 *          exit 0 on a "quit" frame.
 *   dhcp   send a DHCP DISCOVER, expect an OFFER, send a REQUEST, expect
 *          an ACK (printing the address); then answer ARP for it and
 *          wait for a TCP SYN (a port forward from the host), print it
 *          and exit 0.
 *
 * Frames are read in batches through a device watcher; every frame is
 * parsed through a bounds-checked view. --timeout=SECONDS (default 10)
 * bounds the run: exit 1 when it passes.
 */
#include <kiln/rt.h>
#include <kiln/view.h>
#include <string.h>

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define ETH_TEST 0x88b5
#define BATCH 8
#define FRAME_SIZE 1514

static platform_handle dev;
static struct platform_net_info info;
static struct kiln_waitq input;
static uint8_t frames[BATCH][FRAME_SIZE];

static void on_ready(void *arg)
{
	(void)arg;
	kiln_waitq_wake_all(&input);
}

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

static void send_frames(uint8_t (*out)[FRAME_SIZE], const size_t *len,
                        unsigned n)
{
	struct platform_frame f[BATCH] = {0};
	for (unsigned i = 0; i < n; i++) {
		f[i].data = out[i];
		f[i].size = FRAME_SIZE;
		f[i].len = len[i] < 60 ? 60 : len[i]; /* pad to the minimum */
	}
	int sent = platform_net_write_batch(dev, f, n);
	if (sent != (int)n)
		kiln_printf("write_batch sent %d of %u\n", sent, n);
}

/* ------------------------------------------------------------------ echo */

/* Returns 1 on "quit", else 0; fills a reply in out if one is due. */
static int echo_frame(struct kiln_view v, uint8_t *out, size_t *out_len)
{
	uint8_t dst[6], src[6];
	uint16_t type;
	if (!kiln_view_copy(&v, dst, 6) || !kiln_view_copy(&v, src, 6) ||
	    !kiln_view_u16(&v, &type) || type != ETH_TEST)
		return 0;
	if (v.len >= 4 && memcmp(v.p, "quit", 4) == 0)
		return 1;
	if (v.len < 4 || memcmp(v.p, "ping", 4) != 0 || v.len > 200)
		return 0;
	memcpy(out, src, 6);
	memcpy(out + 6, info.mac, 6);
	put16(out + 12, ETH_TEST);
	memcpy(out + 14, "pong", 4);
	memcpy(out + 18, v.p + 4, v.len - 4);
	*out_len = 14 + v.len;
	return 0;
}

/* ------------------------------------------------------------------ dhcp */

static uint32_t xid = 0x4b494c4e; /* "KILN" */
static uint32_t offered, server_id, leased;
static int dhcp_state; /* 0: discovering, 1: requesting, 2: bound */

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A DHCP DISCOVER (type 1) or REQUEST (type 3), broadcast. */
static size_t dhcp_build(uint8_t *f, int type)
{
	memset(f, 0, FRAME_SIZE);
	memset(f, 0xff, 6);
	memcpy(f + 6, info.mac, 6);
	put16(f + 12, ETH_IPV4);
	uint8_t *ip = f + 14, *udp = ip + 20, *bp = udp + 8;
	/* BOOTP: op, htype, hlen, xid, broadcast flag, chaddr, cookie. */
	bp[0] = 1;
	bp[1] = 1;
	bp[2] = 6;
	put32(bp + 4, xid);
	put16(bp + 10, 0x8000);
	memcpy(bp + 28, info.mac, 6);
	put32(bp + 236, 0x63825363);
	uint8_t *o = bp + 240;
	*o++ = 53;
	*o++ = 1;
	*o++ = (uint8_t)type;
	if (type == 3) {
		*o++ = 50;
		*o++ = 4;
		put32(o, offered);
		o += 4;
		*o++ = 54;
		*o++ = 4;
		put32(o, server_id);
		o += 4;
	}
	*o++ = 255;
	size_t bootp_len = (size_t)(o - bp);
	if (bootp_len < 300)
		bootp_len = 300;
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)(8 + bootp_len));
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + bootp_len));
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 16, 0xffffffff);
	put16(ip + 10, ip_checksum(ip, 20));
	return 14 + 20 + 8 + bootp_len;
}

static void show_ip(const char *what, uint32_t a)
{
	kiln_printf("%s %u.%u.%u.%u\n", what, a >> 24, a >> 16 & 255,
	            a >> 8 & 255, a & 255);
}

/* A BOOTP reply for us: its message type, yiaddr and server id. */
static int dhcp_parse(struct kiln_view bp, uint32_t *yiaddr, uint32_t *sid)
{
	uint8_t op;
	uint32_t rxid, cookie;
	if (!kiln_view_u8(&bp, &op) || op != 2 || !kiln_view_skip(&bp, 3) ||
	    !kiln_view_u32(&bp, &rxid) || rxid != xid ||
	    !kiln_view_skip(&bp, 8) || !kiln_view_u32(&bp, yiaddr) ||
	    !kiln_view_skip(&bp, 236 - 20) || !kiln_view_u32(&bp, &cookie) ||
	    cookie != 0x63825363)
		return -1;
	int type = -1;
	uint8_t code, len;
	while (kiln_view_u8(&bp, &code) && code != 255) {
		if (code == 0)
			continue;
		struct kiln_view val;
		if (!kiln_view_u8(&bp, &len) || !kiln_view_take(&bp, len, &val))
			return -1;
		uint8_t t;
		if (code == 53 && kiln_view_u8(&val, &t))
			type = t;
		if (code == 54)
			kiln_view_u32(&val, sid);
	}
	return type;
}

/* One frame in dhcp mode: returns 1 when the SYN came; may fill a reply
 * (an ARP answer or the REQUEST). */
static int dhcp_frame(struct kiln_view v, uint8_t *out, size_t *out_len)
{
	uint8_t dst[6], src[6];
	uint16_t type;
	if (!kiln_view_copy(&v, dst, 6) || !kiln_view_copy(&v, src, 6) ||
	    !kiln_view_u16(&v, &type))
		return 0;
	if (type == ETH_ARP) {
		uint16_t htype, ptype, op;
		uint8_t hlen, plen, sha[6];
		uint32_t spa, tpa;
		if (!kiln_view_u16(&v, &htype) || !kiln_view_u16(&v, &ptype) ||
		    !kiln_view_u8(&v, &hlen) || !kiln_view_u8(&v, &plen) ||
		    !kiln_view_u16(&v, &op) || !kiln_view_copy(&v, sha, 6) ||
		    !kiln_view_u32(&v, &spa) || !kiln_view_skip(&v, 6) ||
		    !kiln_view_u32(&v, &tpa))
			return 0;
		if (op != 1 || hlen != 6 || plen != 4 || leased == 0 ||
		    tpa != leased)
			return 0;
		kiln_puts("arp: answering who-has");
		memcpy(out, sha, 6);
		memcpy(out + 6, info.mac, 6);
		put16(out + 12, ETH_ARP);
		uint8_t *a = out + 14;
		put16(a, 1);
		put16(a + 2, ETH_IPV4);
		a[4] = 6;
		a[5] = 4;
		put16(a + 6, 2);
		memcpy(a + 8, info.mac, 6);
		put32(a + 14, leased);
		memcpy(a + 18, sha, 6);
		put32(a + 24, spa);
		*out_len = 14 + 28;
		return 0;
	}
	if (type != ETH_IPV4)
		return 0;
	uint8_t vihl, proto;
	uint16_t total;
	uint32_t saddr, daddr;
	struct kiln_view ip = v, l4;
	if (!kiln_view_u8(&ip, &vihl) || (vihl >> 4) != 4 ||
	    !kiln_view_skip(&ip, 1) || !kiln_view_u16(&ip, &total) ||
	    !kiln_view_skip(&ip, 5) || !kiln_view_u8(&ip, &proto) ||
	    !kiln_view_skip(&ip, 2) || !kiln_view_u32(&ip, &saddr) ||
	    !kiln_view_u32(&ip, &daddr))
		return 0;
	size_t ihl = (size_t)(vihl & 15) * 4;
	if (ihl < 20 || total < ihl ||
	    !kiln_view_sub(&v, ihl, total - ihl, &l4))
		return 0;
	uint16_t sport, dport;
	if (!kiln_view_u16(&l4, &sport) || !kiln_view_u16(&l4, &dport))
		return 0;
	if (proto == 17 && dport == 68 && kiln_view_skip(&l4, 4)) {
		uint32_t yiaddr = 0, sid = 0;
		int t = dhcp_parse(l4, &yiaddr, &sid);
		if (t == 2 && dhcp_state == 0) {
			offered = yiaddr;
			server_id = sid;
			show_ip("dhcp: offer", yiaddr);
			show_ip("dhcp: server", sid);
			dhcp_state = 1;
			*out_len = dhcp_build(out, 3);
		} else if (t == 5 && dhcp_state == 1) {
			leased = yiaddr;
			show_ip("dhcp: ack", yiaddr);
			dhcp_state = 2;
		}
		return 0;
	}
	uint32_t seq, ack;
	uint8_t off, flags;
	if (proto == 6 && daddr == leased && kiln_view_u32(&l4, &seq) &&
	    kiln_view_u32(&l4, &ack) && kiln_view_u8(&l4, &off) &&
	    kiln_view_u8(&l4, &flags) && (flags & 0x12) == 0x02) {
		kiln_printf("tcp: syn to port %u\n", dport);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ main */

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t timeout = 10;
	const char *mode = kiln_arg_word(0);
	if (!kiln_arg_uint("--timeout", 1, 3600, &timeout))
		return 2;
	kiln_args_check();
	bool dhcp = mode && strcmp(mode, "dhcp") == 0;
	if (!dhcp && !(mode && strcmp(mode, "echo") == 0)) {
		kiln_puts("usage: nettest echo|dhcp [--timeout=SECONDS]");
		return 2;
	}

	enum platform_result r = platform_net_acquire("net0", &dev, &info);
	if (r != PLATFORM_OK) {
		kiln_printf("net0: acquire failed (%d)\n", r);
		return 1;
	}
	kiln_printf("net0: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u\n",
	            info.mac[0], info.mac[1], info.mac[2], info.mac[3],
	            info.mac[4], info.mac[5], info.mtu);
	kiln_waitq_init(&input);
	kiln_device_watch(dev, on_ready, NULL);

	static uint8_t out[BATCH][FRAME_SIZE];
	size_t out_len[BATCH];
	if (dhcp) {
		out_len[0] = dhcp_build(out[0], 1);
		send_frames(out, out_len, 1);
		kiln_puts("dhcp: discover sent");
	}

	kiln_time deadline = kiln_now() + KILN_SEC(timeout);
	uint64_t seen = 0;
	for (;;) {
		struct platform_frame in[BATCH] = {0};
		for (int i = 0; i < BATCH; i++) {
			in[i].data = frames[i];
			in[i].size = FRAME_SIZE;
			in[i].len = 0;
		}
		int n = platform_net_read_batch(dev, in, BATCH);
		if (n < 0) {
			kiln_printf("read_batch failed (%d)\n", n);
			return 1;
		}
		unsigned replies = 0;
		for (int i = 0; i < n; i++) {
			struct kiln_view v =
			        kiln_view_make(in[i].data, in[i].len);
			size_t len = 0;
			int done = dhcp ? dhcp_frame(v, out[replies], &len)
			                : echo_frame(v, out[replies], &len);
			if (len)
				out_len[replies++] = len;
			if (done) {
				kiln_printf("done after %llu frames\n",
				            (unsigned long long)seen + i + 1);
				if (replies)
					send_frames(out, out_len, replies);
				return 0;
			}
		}
		seen += (uint64_t)n;
		if (replies)
			send_frames(out, out_len, replies);
		if (n == BATCH)
			continue; /* maybe more pending */
		if (kiln_waitq_wait(&input, deadline) == -KILN_ETIMEDOUT) {
			kiln_printf("timed out after %llu frames\n",
			            (unsigned long long)seen);
			return 1;
		}
	}
}
