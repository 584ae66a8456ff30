/*
 * lib/net/net.c - bringing the interface up (net_start), its
 * configuration, addresses as text, and the counters.
 */
#include "iface.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct net_counters net_counters;

char *net_ipv4_format(net_ipv4 a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(a >> 24),
	         (unsigned)(a >> 16 & 0xff), (unsigned)(a >> 8 & 0xff),
	         (unsigned)(a & 0xff));
	return buf;
}

bool net_ipv4_parse(const char *s, net_ipv4 *out)
{
	net_ipv4 a = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s++ - '0');
			/* No leading zeros (they read as octal elsewhere). */
			if (++digits > 3 || v > 255 || (digits == 2 && v < 10))
				return false;
		}
		if (digits == 0)
			return false;
		a = a << 8 | v;
		if (part < 3 && *s++ != '.')
			return false;
	}
	if (*s != '\0')
		return false;
	*out = a;
	return true;
}

net_ipv4 net_local_address(void)
{
	return net_if.addr;
}

unsigned net_prefix_len(void)
{
	return net_if.prefix;
}

net_ipv4 net_gateway(void)
{
	return net_if.gateway;
}

net_ipv4 net_mask(void)
{
	return net_if.prefix ? ~(net_ipv4)0 << (32 - net_if.prefix) : 0;
}

bool net_is_broadcast(net_ipv4 a)
{
	if (a == 0xffffffff)
		return true;
	/* The subnet's broadcast (not on /31 and /32 links, which have
	 * none). */
	return net_if.addr && net_if.prefix < 31 &&
	       a == (net_if.addr | ~net_mask());
}

uint32_t net_random(void)
{
	/* lib/rt's CSPRNG: DHCP xids and IP ids are not guessable. */
	return kiln_random32();
}

void net_configure(net_ipv4 addr, unsigned prefix, net_ipv4 gateway)
{
	char a[16], g[16];
	bool changed = addr != net_if.addr;

	net_if.addr = addr;
	net_if.prefix = prefix;
	net_if.gateway = gateway;
	if (changed)
		arp_flush();
	if (!addr) {
		KILN_INFO(NET_SUBSYS, "address removed");
		return;
	}
	if (changed) {
		KILN_INFO(NET_SUBSYS, "address %s/%u gateway %s",
		          net_ipv4_format(addr, a), prefix,
		          gateway ? net_ipv4_format(gateway, g) : "none");
		arp_announce();
	}
	kiln_waitq_wake_all(&net_if.configured);
}

/* --ipv4=ADDR/PREFIX */
static bool parse_cidr(const char *s, net_ipv4 *addr, unsigned *prefix)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (!net_ipv4_parse(buf, addr))
		return false;
	char *end;
	unsigned long p = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || p < 1 || p > 32)
		return false;
	*prefix = (unsigned)p;
	return true;
}

static struct kiln_hook tx_hook;

int net_start(const char *device, kiln_time deadline)
{
	if (net_if.started)
		return -KILN_EINVAL;
	if (!device)
		device = "net0";

	/* Claim our boot arguments first, so a mistake is reported even
	 * when the device is missing. */
	const char *ipv4 = kiln_arg_string("--ipv4");
	const char *gw = kiln_arg_string("--ipv4-gateway");
	uint64_t nbufs = 0, slots = FRAG_DEFAULT_SLOTS, offload = 1;
	net_ipv4 addr = 0, gateway = 0;
	unsigned prefix = 0;
	if (!kiln_arg_uint("--net-buffers", 24, 65536, &nbufs) ||
	    !kiln_arg_uint("--net-reasm-slots", 0, 64, &slots) ||
	    !kiln_arg_uint("--net-offload", 0, 1, &offload))
		return -KILN_EINVAL;
	/* TCP's limits (--tcp-max-conns, --tcp-sndbuf, ...). */
	if (tcp_configure_from_args() < 0) {
		kiln_printf("boot arguments --tcp-*: inconsistent limits\n");
		return -KILN_EINVAL;
	}
	if (ipv4 && (!parse_cidr(ipv4, &addr, &prefix) || (addr >> 24) == 0 ||
	             (addr >> 24) == 127 || (addr >> 24) >= 224)) {
		kiln_printf("boot argument --ipv4: expected ADDR/PREFIX "
		            "with a host address, got \"%s\"\n",
		            ipv4);
		return -KILN_EINVAL;
	}
	if (gw && (!net_ipv4_parse(gw, &gateway) || !ipv4)) {
		kiln_printf("boot argument --ipv4-gateway: %s\n",
		            ipv4 ? "expected an IPv4 address"
		                 : "needs --ipv4 (DHCP supplies the gateway)");
		return -KILN_EINVAL;
	}

	struct platform_net_info info;
	enum platform_result r =
	        platform_net_acquire(device, &net_if.dev, &info);
	if (r != PLATFORM_OK) {
		KILN_ERROR(NET_SUBSYS, "no network device %s (%d)", device,
		           (int)r);
		return r == PLATFORM_ENOENT ? -KILN_ENOENT : -KILN_EIO;
	}
	memcpy(net_if.mac, info.mac, ETH_ADDR_LEN);
	net_if.mtu = info.mtu;
	if (net_if.mtu < 576 - ETH_HDR_LEN) {
		KILN_ERROR(NET_SUBSYS, "device %s: MTU %u too small", device,
		           (unsigned)info.mtu);
		return -KILN_EINVAL;
	}
	/* Every offload the device has, unless --net-offload=0. Large
	 * frames (either way) need buffers of PLATFORM_NET_FRAME_MAX bytes,
	 * and then fewer of them by default: each holds up to 44 frames'
	 * worth. */
	const uint32_t large =
	        PLATFORM_NET_OFF_TX_TSO4 | PLATFORM_NET_OFF_RX_TSO4;
	uint32_t want = offload ? info.offloads : 0;
	if (!(want & PLATFORM_NET_OFF_TX_CSUM))
		want &= ~PLATFORM_NET_OFF_TX_TSO4;
	if (!(want & PLATFORM_NET_OFF_RX_CSUM))
		want &= ~PLATFORM_NET_OFF_RX_TSO4;
	if (want && platform_net_offload(net_if.dev, want) != PLATFORM_OK) {
		KILN_WARN(NET_SUBSYS, "device %s: offloads refused", device);
		want = 0;
		platform_net_offload(net_if.dev, 0);
	}
	net_if.offloads = want;
	if (!nbufs)
		nbufs = (want & large) ? PKTBUF_LARGE_COUNT
		                       : PKTBUF_DEFAULT_COUNT;
	int err = pktbuf_pool_init((unsigned)nbufs,
	                           (want & large) ? PLATFORM_NET_FRAME_MAX
	                                          : info.mtu + ETH_HDR_LEN);
	if (!err)
		err = frag_init((unsigned)slots);
	if (err) {
		KILN_ERROR(NET_SUBSYS, "out of memory for %u packet buffers",
		           (unsigned)nbufs);
		return err;
	}
	kiln_waitq_init(&net_if.configured);
	net_tx_init();
	arp_init();
	net_if.started = true;
	kiln_device_watch(net_if.dev, net_rx_ready, NULL);
	kiln_before_yield(&tx_hook, net_tx_flush, NULL);
	KILN_INFO(NET_SUBSYS,
	          "%s: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u, %u buffers, "
	          "offloads 0x%x",
	          device, info.mac[0], info.mac[1], info.mac[2], info.mac[3],
	          info.mac[4], info.mac[5], (unsigned)info.mtu, (unsigned)nbufs,
	          (unsigned)want);

	if (ipv4) {
		if (gateway && ((gateway ^ addr) >> (32 - prefix)) != 0 &&
		    prefix < 32) {
			KILN_ERROR(NET_SUBSYS, "gateway is not on the link");
			return -KILN_EINVAL;
		}
		net_configure(addr, prefix, gateway);
		return 0;
	}
	err = dhcp_start();
	if (err)
		return err;
	while (!net_if.addr) {
		if (!kiln_fiber_self())
			return -KILN_EAGAIN; /* in a callback: cannot wait */
		if (kiln_waitq_wait(&net_if.configured, deadline) ==
		    -KILN_ETIMEDOUT)
			return net_if.addr ? 0 : -KILN_ETIMEDOUT;
	}
	return 0;
}

/* ------------------------------------------------------------- counters */

#define COUNTER(name)                                                          \
	{                                                                      \
#name, offsetof(struct net_counters, name)                     \
	}
static const struct {
	const char *name;
	size_t offset;
} counter_names[] = {
        COUNTER(rx_frames),
        COUNTER(tx_frames),
        COUNTER(rx_bytes),
        COUNTER(tx_bytes),
        COUNTER(rx_dropped),
        COUNTER(drop_eth_malformed),
        COUNTER(drop_eth_not_for_us),
        COUNTER(drop_eth_unsupported),
        COUNTER(drop_arp_malformed),
        COUNTER(drop_ip_malformed),
        COUNTER(drop_ip_checksum),
        COUNTER(drop_ip_not_for_us),
        COUNTER(drop_ip_frag),
        COUNTER(drop_ip_proto),
        COUNTER(drop_icmp_malformed),
        COUNTER(drop_icmp_checksum),
        COUNTER(drop_udp_malformed),
        COUNTER(drop_udp_checksum),
        COUNTER(drop_udp_no_port),
        COUNTER(drop_udp_queue_full),
        COUNTER(drop_tcp_malformed),
        COUNTER(drop_tcp_checksum),
        COUNTER(drop_tcp_no_socket),
        COUNTER(drop_tcp_invalid),
        COUNTER(drop_no_buffer),
        COUNTER(tx_errors),
        COUNTER(tx_no_route),
        COUNTER(tx_arp_failed),
        COUNTER(arp_requests_sent),
        COUNTER(arp_replies_sent),
        COUNTER(ip_reassembled),
        COUNTER(ip_frags_sent),
        COUNTER(icmp_echo_replies),
        COUNTER(icmp_unreach_sent),
        COUNTER(icmp_rate_limited),
        COUNTER(udp_rx_datagrams),
        COUNTER(udp_tx_datagrams),
        COUNTER(dhcp_leases),
        COUNTER(dhcp_declines),
        COUNTER(rx_batches),
        COUNTER(tx_batches),
        COUNTER(tx_frames_scattered),
        COUNTER(tcp_bytes_lent),
        COUNTER(tx_no_buffer),
        COUNTER(tcp_active_opens),
        COUNTER(tcp_passive_opens),
        COUNTER(tcp_retransmits),
        COUNTER(tcp_resets_sent),
        COUNTER(tcp_syn_backlog_drops),
        COUNTER(tcp_syncookies_sent),
        COUNTER(tcp_syncookies_ok),
        COUNTER(tcp_syncookies_failed),
        COUNTER(tcp_rack_marked_lost),
        COUNTER(tcp_lost_retransmits),
        COUNTER(tcp_rack_reo_timeouts),
        COUNTER(tcp_reordering_seen),
        COUNTER(tcp_tlp_sent),
        COUNTER(tcp_tlp_recovered),
        COUNTER(tcp_dsacks),
        COUNTER(tcp_undos),
        COUNTER(tcp_buffer_waits),
        COUNTER(arp_conflicts),
        COUNTER(arp_ignored),
        COUNTER(arp_lookups_evicted),
        COUNTER(dhcp_ignored),
        COUNTER(drop_bad_offload),
};

void net_get_counters(struct net_counters *c)
{
	*c = net_counters;
}

size_t net_format_counters(char *buf, size_t size, bool all)
{
	size_t pos = 0;
	for (size_t i = 0; i < sizeof(counter_names) / sizeof(*counter_names);
	     i++) {
		uint64_t v;
		memcpy(&v,
		       (const char *)&net_counters + counter_names[i].offset,
		       sizeof(v));
		if (!v && !all)
			continue;
		int n = snprintf(buf + pos, size - pos, "%s %llu\n",
		                 counter_names[i].name, (unsigned long long)v);
		if (n < 0 || (size_t)n >= size - pos)
			break; /* keep only whole lines */
		pos += (size_t)n;
	}
	if (size)
		buf[pos] = '\0';
	return pos;
}

void net_print_counters(void)
{
	char buf[2048];
	net_format_counters(buf, sizeof(buf), false);
	kiln_printf("%s", buf);
}
