/*
 * monitor/usernet/main.c - kiln-usernet: user-mode networking for one
 * guest network device whose frames travel on a socket, as QEMU's
 * "-netdev stream" sends them (stream.h).
 *
 *   kiln-usernet [--net user[,hostfwd=...]...] --fd N
 *   kiln-usernet [--net user[,hostfwd=...]...] --peer-fd N -- COMMAND...
 *
 * It runs host/usernet.c -- libslirp behind the guest frame filter, port
 * forwards on 127.0.0.1 only -- exactly as the unix target and kiln-hvt
 * do, so a guest under QEMU is kept in the same way.
 *
 * With --fd N the connection is an inherited stream socket N. With
 * --peer-fd N kiln-usernet makes the connection itself (a socketpair),
 * forks, and serves it in the child, while the parent process puts the
 * other end on its fd N and becomes COMMAND (QEMU, with "-netdev
 * stream,id=net0,addr.type=fd,addr.str=N"). The guest's process is then
 * the parent of the server, which therefore cannot outlive it: it stops
 * when the socket reports the end (QEMU closed it or died) and, should
 * anything else hold the socket open, when the parent dies
 * (PR_SET_PDEATHSIG). Setup runs in the child before COMMAND starts, so
 * a mistake (a forward's port in use) stops the run before the guest
 * boots. Several devices chain: COMMAND may be kiln-usernet again.
 *
 * Errors: one line on stderr, exit 2. A fatal error after the guest
 * started also stops it (SIGTERM to COMMAND).
 */
#include "../../host/hostopt.h"
#include "../../host/usernet.h"
#include "stream.h"
#include "usernet.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The guest's process in --peer-fd mode, stopped on a fatal error. */
static pid_t peer_pid;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: kiln-usernet [--net user[,hostfwd=...]...] --fd N\n"
	        "       kiln-usernet [--net user[,hostfwd=...]...] --peer-fd N "
	        "-- COMMAND [ARGS...]\n"
	        "User-mode networking (libslirp, only 127.0.0.1 port "
	        "forwards reach the guest)\n"
	        "for one network device of a QEMU guest, over QEMU's "
	        "\"-netdev stream\" socket.\n"
	        "\n"
	        "  --net user[,hostfwd=PROTO:127.0.0.1:HPORT-:GPORT]...\n"
	        "                 the device's port forwards (PROTO tcp or "
	        "udp); default: none\n"
	        "  --fd N         serve the connected stream socket "
	        "inherited as fd N\n"
	        "  --peer-fd N    make the connection, serve it in a child "
	        "process and run\n"
	        "                 COMMAND with the other end as its fd N, "
	        "e.g. QEMU with\n"
	        "                 -netdev stream,id=net0,addr.type=fd,"
	        "addr.str=N\n"
	        "\n"
	        "Ends when the other end closes the connection. Errors: one "
	        "line, exit 2.\n");
}

static _Noreturn void die(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	fputs("kiln-usernet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* A guest whose network is gone should not run on unnoticed. */
	if (peer_pid > 0)
		kill(peer_pid, SIGTERM);
	exit(2);
}

/* A file descriptor number from the command line: 3 .. 1023. */
static int parse_fd(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : -1;
	if (s == NULL || errno || end == s || *end || v < 3 || v > 1023)
		die("%s %s: expected a descriptor number from 3 to 1023", opt,
		    s ? s : "(missing)");
	return (int)v;
}

/* Close every descriptor above 2 but keep and keep2 (both above 2): the
 * server holds nothing of its parent's, above all not the other end of
 * its socket. */
static void close_others(int keep, int keep2)
{
	unsigned lo = (unsigned)(keep < keep2 ? keep : keep2);
	unsigned hi = (unsigned)(keep < keep2 ? keep2 : keep);
	/* An empty range is refused (EINVAL), which is fine. */
	close_range(3, lo - 1, 0);
	close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0u, 0);
}

/* ------------------------------------------------------------- serving */

/* SIGTERM (also the parent death signal): end as when the socket closes. */
static volatile sig_atomic_t terminated;

static void on_sigterm(int sig)
{
	(void)sig;
	terminated = 1;
}

static void to_slirp(void *ctx, const uint8_t *frame, size_t len)
{
	host_usernet_send(ctx, frame, len);
}

/* Write what the writer holds; false when the peer is gone. */
static bool flush(int sock, struct stream_writer *w)
{
	while (stream_writer_pending(w) > 0) {
		ssize_t n = send(sock, stream_writer_data(w),
		                 stream_writer_pending(w), MSG_NOSIGNAL);
		if (n > 0) {
			stream_writer_consume(w, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return false;
		die("writing to the guest's socket: %s",
		    n < 0 ? strerror(errno) : "no progress");
	}
	return true;
}

/* Serve the connection on sock until its end; ready_fd (>= 0) is told
 * (one byte, then closed) once setup succeeded, and from then on a fatal
 * error also stops peer (> 0), the guest's process. */
static _Noreturn void serve(int sock, const struct host_net_opt *net,
                            int ready_fd, pid_t peer)
{
	static struct stream_reader rd;
	static struct stream_writer wr;
	static uint8_t in[64 * 1024];
	static uint8_t frame[STREAM_FRAME_MAX];
	char err[200];

	int fl = fcntl(sock, F_GETFL);
	if (fl < 0 || fcntl(sock, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fd %d: %s", sock, strerror(errno));
	/* SIGTERM only while waiting in ppoll(), so that it cannot slip in
	 * between a look at the flag and the wait. */
	sigset_t block, wait_mask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm;
	if (sigprocmask(SIG_BLOCK, &block, &wait_mask) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		die("signals: %s", strerror(errno));
	sigdelset(&wait_mask, SIGTERM);
	struct host_usernet *u = host_usernet_new(net, err, sizeof(err));
	if (u == NULL)
		die("%s", err);
	stream_reader_init(&rd);
	stream_writer_init(&wr);
	if (usernet_seccomp(peer) < 0)
		die("cannot install the seccomp filter");
	if (ready_fd >= 0) {
		(void)!write(ready_fd, "k", 1);
		close(ready_fd);
	}
	peer_pid = peer;

	struct host_pollset ps = {0};
	for (;;) {
		/* Frames libslirp has for the guest, as far as they fit. */
		while (host_usernet_pending(u) &&
		       stream_writer_room(&wr, STREAM_FRAME_MAX)) {
			long n = host_usernet_recv(u, frame, sizeof(frame));
			if (n > 0)
				stream_writer_put(&wr, frame, (size_t)n);
		}
		if (!flush(sock, &wr))
			break;

		host_pollset_clear(&ps);
		short ev = POLLIN;
		if (stream_writer_pending(&wr) > 0)
			ev |= POLLOUT;
		int si = host_pollset_add(&ps, sock, ev);
		if (si < 0)
			die("out of memory");
		int64_t timeout_ns = -1;
		host_usernet_poll_fill(u, &ps, &timeout_ns);
		if (host_usernet_pending(u) &&
		    stream_writer_room(&wr, STREAM_FRAME_MAX))
			timeout_ns = 0;
		struct timespec ts = {timeout_ns / 1000000000,
		                      timeout_ns % 1000000000};
		int r = ppoll(ps.fds, ps.n, timeout_ns < 0 ? NULL : &ts,
		              &wait_mask);
		if (r < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (terminated) {
			/* Told to stop, or the guest's process died: its pid
			 * may be another's soon, so leave it alone. */
			peer_pid = 0;
			break;
		}
		host_usernet_poll_done(u, &ps, r);
		if (r <= 0 ||
		    !(ps.fds[si].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;

		/* Frames from the guest. */
		ssize_t n = read(sock, in, sizeof(in));
		if (n == 0)
			break; /* the guest's side closed: done */
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			if (errno == ECONNRESET)
				break;
			die("reading the guest's socket: %s", strerror(errno));
		}
		if (!stream_reader_feed(&rd, kiln_view_make(in, (size_t)n),
		                        to_slirp, u))
			die("the guest's socket does not carry length-prefixed "
			    "frames (a length above %u)",
			    STREAM_LEN_MAX);
	}
	if (host_usernet_refused(u) || host_usernet_drops(u) || rd.skipped)
		fprintf(stderr,
		        "kiln-usernet: refused %llu frames from the guest, "
		        "dropped %llu for it, skipped %llu oversized\n",
		        (unsigned long long)host_usernet_refused(u),
		        (unsigned long long)host_usernet_drops(u),
		        (unsigned long long)rd.skipped);
	exit(0);
}

/* ---------------------------------------------------------------- main */

/* --peer-fd: fork the server, then become COMMAND with the other end of
 * the connection as fd peer_fd. */
static _Noreturn void run_peer(int peer_fd, const struct host_net_opt *net,
                               char **command)
{
	int sv[2], ready[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(ready, O_CLOEXEC) < 0)
		die("socketpair: %s", strerror(errno));
	pid_t parent = getpid();
	fflush(NULL);
	pid_t child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		close(sv[1]);
		close(ready[0]);
		/* Never outlive the guest's process, even if something
		 * else keeps the socket open. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			exit(0);
		signal(SIGINT, SIG_IGN); /* a terminal's ^C is QEMU's */
		signal(SIGPIPE, SIG_IGN);
		close_others(sv[0], ready[1]);
		serve(sv[0], net, ready[1], parent);
	}
	close(sv[0]);
	close(ready[1]);
	char ok;
	ssize_t n;
	while ((n = read(ready[0], &ok, 1)) < 0 && errno == EINTR)
		;
	if (n != 1) {
		/* The child said why. */
		waitpid(child, NULL, 0);
		exit(2);
	}
	close(ready[0]);
	if (sv[1] == peer_fd) {
		if (fcntl(peer_fd, F_SETFD, 0) < 0)
			die("fd %d: %s", peer_fd, strerror(errno));
	} else if (dup2(sv[1], peer_fd) < 0) {
		die("fd %d: %s", peer_fd, strerror(errno));
	} else {
		close(sv[1]);
	}
	execvp(command[0], command);
	die("%s: %s", command[0], strerror(errno));
}

int main(int argc, char **argv)
{
	static struct host_options opt;
	char err[200];
	int fd = -1, peer_fd = -1;
	char **command = NULL;

	host_options_init(&opt);
	for (int i = 1; i < argc;) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--") == 0) {
			command = argv + i + 1;
			if (*command == NULL)
				die("no COMMAND after --");
			break;
		}
		if (strcmp(a, "--fd") == 0 || strcmp(a, "--peer-fd") == 0) {
			int v = parse_fd(a, argv[i + 1]);
			*(a[2] == 'f' ? &fd : &peer_fd) = v;
			i += 2;
			continue;
		}
		if (strcmp(a, "--net") == 0 || strncmp(a, "--net=", 6) == 0) {
			int used = host_option(&opt, argc, argv, i, err,
			                       sizeof(err));
			if (used <= 0)
				die("%s", err);
			i += used;
			continue;
		}
		die("unknown option %s (see --help)", a);
	}
	if (opt.n_net > 1)
		die("one --net per kiln-usernet (run one for each device)");
	if (opt.n_net == 1 && opt.net[0].kind != HOST_NET_USER)
		die("--net: only user[,hostfwd=...] (a tap device needs no "
		    "kiln-usernet)");
	opt.net[0].kind = HOST_NET_USER; /* no --net: no forwards */
	if ((fd < 0) == (peer_fd < 0))
		die("give either --fd N or --peer-fd N (see --help)");
	if (peer_fd >= 0) {
		if (command == NULL)
			die("--peer-fd needs a COMMAND after --");
		run_peer(peer_fd, &opt.net[0], command);
	}
	if (command)
		die("--fd serves an inherited socket: no COMMAND");
	int type;
	socklen_t tl = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		die("--fd %d: %s", fd,
		    errno == ENOTSOCK ? "not a socket" : strerror(errno));
	if (type != SOCK_STREAM)
		die("--fd %d: not a stream socket", fd);
	signal(SIGPIPE, SIG_IGN);
	serve(fd, &opt.net[0], -1, 0);
}
