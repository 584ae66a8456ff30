/*
 * bench/net/linux_echo.c - the reference echo server for bench/net/run.sh:
 * TCP and UDP echo on port 7 for Linux itself, in plain C (a process per
 * TCP connection, one for UDP), so the comparison measures the stacks
 * rather than an interpreter. LINUX_ECHO_CC=NAME picks the TCP
 * connections' congestion controller (TCP_CONGESTION; else the host's).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void tcp_conn(int fd)
{
	static char buf[1 << 20];
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				_exit(0);
			off += w;
		}
	}
	_exit(0);
}

static void udp_loop(int fd)
{
	static char buf[65536];
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
		                     (struct sockaddr *)&from, &fl);
		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
			       fl);
	}
}

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7)};
	int one = 1;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	const char *cc = getenv("LINUX_ECHO_CC");
	if (cc && *cc &&
	    setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc)) < 0) {
		perror("linux_echo: TCP_CONGESTION");
		return 1;
	}
	if (bind(u, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    bind(t, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(t, 64) < 0) {
		perror("linux_echo: bind");
		return 1;
	}
	signal(SIGCHLD, SIG_IGN);
	if (fork() == 0)
		udp_loop(u);
	for (;;) {
		int c = accept(t, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0)
			tcp_conn(c);
		close(c);
	}
}
