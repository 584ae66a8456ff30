/*
 * tests/net/tcp_standin.c - a stand-in for TCP's half of lib/net/stack.h,
 * for tests of the layers below it: it counts what it is handed.
 */
#include "../../lib/net/stack.h"

unsigned standin_tcp_segments, standin_tcp_errors;

void tcp_input(net_ipv4 src, net_ipv4 dst, const uint8_t *seg, size_t len)
{
	(void)src;
	(void)dst;
	(void)seg;
	(void)len;
	standin_tcp_segments++;
}

void tcp_icmp_error(net_ipv4 src, net_ipv4 dst, const uint8_t *quoted,
                    size_t len, uint8_t type, uint8_t code)
{
	(void)src;
	(void)dst;
	(void)quoted;
	(void)len;
	(void)type;
	(void)code;
	standin_tcp_errors++;
}

/* TCP's boot arguments: the stand-in has none to take. */
int tcp_configure_from_args(void)
{
	return 0;
}
