/*
 * monitor/usernet/tap_relay.c - kiln-tap-relay: carries Ethernet frames
 * between a tap device and a stream socket that frames them as QEMU's
 * "-netdev stream" does (stream.h).
 *
 *   kiln-tap-relay --fd N --tap IFNAME
 *
 * It lets kiln-usernet serve a guest that is not a QEMU process: on a Xen
 * host the launcher puts the guest's vif and a tap on a bridge of their
 * own and runs
 *   kiln-usernet --net user,hostfwd=... --peer-fd 10 -- \
 *       kiln-tap-relay --fd 10 --tap TAP
 * so the guest gets kiln-usernet's DHCP lease and port forwards on
 * 127.0.0.1, and nothing else: the bridge holds only the tap and the vif.
 *
 * Frames from the tap longer than STREAM_FRAME_MAX are dropped and
 * counted. It ends when the socket closes (kiln-usernet ended) or on
 * SIGTERM/SIGINT; errors are one line on stderr and exit 2.
 */
#include "../../host/tap.h"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kiln-tap-relay: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct relay {
	int tap, sock;
	struct stream_reader rd;
	struct stream_writer wr;
	unsigned long long to_tap, to_sock, dropped;
};

/* A whole frame from the socket: onto the tap (a full tap queue drops
 * it, as a wire would). */
static void to_tap(void *ctx, const uint8_t *frame, size_t len)
{
	struct relay *r = ctx;
	if (len == 0)
		return;
	if (write(r->tap, frame, len) == (ssize_t)len)
		r->to_tap++;
	else
		r->dropped++;
}

/* Write what the writer holds; false when the socket's peer is gone. */
static bool flush(struct relay *r)
{
	while (stream_writer_pending(&r->wr) > 0) {
		ssize_t n = send(r->sock, stream_writer_data(&r->wr),
		                 stream_writer_pending(&r->wr), MSG_NOSIGNAL);
		if (n > 0) {
			stream_writer_consume(&r->wr, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		return false;
	}
	return true;
}

static int parse_fd(const char *s)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : -1;
	if (!s || errno || end == s || *end || v < 3 || v > 1023)
		die("--fd: expected a descriptor number from 3 to 1023");
	return (int)v;
}

int main(int argc, char **argv)
{
	static struct relay r;
	static uint8_t buf[64 * 1024];
	const char *tap = NULL;
	int sock = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fd") == 0 && i + 1 < argc)
			sock = parse_fd(argv[++i]);
		else if (strcmp(argv[i], "--tap") == 0 && i + 1 < argc)
			tap = argv[++i];
		else if (strcmp(argv[i], "--help") == 0) {
			puts("usage: kiln-tap-relay --fd N --tap IFNAME");
			return 0;
		} else
			die("unknown argument '%s' (usage: kiln-tap-relay --fd "
			    "N --tap IFNAME)",
			    argv[i]);
	}
	if (sock < 0 || !tap)
		die("usage: kiln-tap-relay --fd N --tap IFNAME");
	char err[200];
	r.tap = host_tap_open(tap, err, sizeof(err));
	if (r.tap < 0)
		die("%s", err);
	r.sock = sock;
	int fl = fcntl(sock, F_GETFL);
	if (fl < 0 || fcntl(sock, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fd %d: %s", sock, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	stream_reader_init(&r.rd);
	stream_writer_init(&r.wr);

	while (!stop) {
		if (!flush(&r))
			break;
		struct pollfd p[2] = {{r.sock, POLLIN, 0}, {r.tap, 0, 0}};
		if (stream_writer_pending(&r.wr) > 0)
			p[0].events |= POLLOUT;
		/* Take from the tap only while a frame fits in the writer. */
		if (stream_writer_room(&r.wr, STREAM_FRAME_MAX))
			p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(r.sock, buf, sizeof(buf));
			if (n == 0)
				break;
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				break;
			if (n > 0 &&
			    !stream_reader_feed(&r.rd,
			                        kiln_view_make(buf, (size_t)n),
			                        to_tap, &r))
				die("the socket does not carry length-prefixed "
				    "frames");
		}
		if (p[1].revents & POLLIN) {
			/* One read of a tap is one frame. */
			ssize_t n = read(r.tap, buf, sizeof(buf));
			if (n > STREAM_FRAME_MAX)
				r.dropped++;
			else if (n > 0 &&
			         stream_writer_put(&r.wr, buf, (size_t)n))
				r.to_sock++;
		}
	}
	if (r.dropped || r.rd.skipped)
		fprintf(stderr,
		        "kiln-tap-relay: %llu frames to the tap, %llu from it, "
		        "%llu dropped, %llu oversized skipped\n",
		        r.to_tap, r.to_sock, r.dropped,
		        (unsigned long long)r.rd.skipped);
	return 0;
}
