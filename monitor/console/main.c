/*
 * monitor/console/main.c - kiln-console: run a guest's QEMU with its
 * console output passed through, and exit with the guest's status.
 *
 *   kiln-console [--name NAME] -- COMMAND [ARGS...]
 *
 * COMMAND (QEMU, or kiln-usernet in front of it) runs as a child with its
 * standard output on a pipe; everything it writes is copied to
 * kiln-console's standard output as it comes, except the exit-status mark
 * the aarch64 supervisors write last (mark.h). kiln-console then exits
 * with:
 *   - the mark's status, when COMMAND ended normally after a mark;
 *   - 255 and "kiln: NAME: the guest stopped without an exit status" when
 *     it ended without one (killed, or QEMU powered off otherwise);
 *   - 125 and "kiln: NAME: QEMU failed (status N)" when it exited non-zero
 *     (QEMU could not start; kiln-usernet's setup errors, status 2, come
 *     with their own line first).
 * SIGTERM, SIGINT and SIGHUP are passed on to COMMAND as SIGTERM.
 */
#include "mark.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void pass_on(int sig)
{
	(void)sig;
	if (child_pid > 0)
		kill((pid_t)child_pid, SIGTERM);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kiln-console [--name NAME] -- COMMAND [ARGS...]\n"
	           "Run COMMAND (a QEMU guest), pass its output on, and exit "
	           "with the status\nthe guest wrote at its end.\n");
}

static void write_all(const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* our reader went away: keep the guest going */
		p += w;
		n -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	const char *name = "guest";
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}

	int fds[2];
	if (pipe(fds) != 0) {
		fprintf(stderr, "kiln-console: pipe: %s\n", strerror(errno));
		return 125;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pass_on;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "kiln-console: fork: %s\n", strerror(errno));
		return 125;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[i], argv + i);
		fprintf(stderr, "kiln-console: cannot run %s: %s\n", argv[i],
		        strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	close(fds[1]);

	struct mark_filter m;
	mark_init(&m);
	uint8_t in[4096], out[sizeof(in) + MARK_HELD_MAX];
	int status = 0;
	bool exited = false;
	for (;;) {
		/* Read until the pipe ends; once COMMAND has exited, only what
		 * is already there (something it started may hold the pipe). */
		struct pollfd p = {fds[0], POLLIN, 0};
		int r = poll(&p, 1, exited ? 0 : 100);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			ssize_t n = read(fds[0], in, sizeof(in));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			write_all(out,
			          mark_feed(&m, kiln_view_make(in, (size_t)n),
			                    out));
			continue;
		}
		if (exited)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	write_all(out, mark_flush(&m, out));
	while (!exited) {
		if (waitpid(pid, &status, 0) == pid)
			exited = true;
		else if (errno != EINTR)
			break;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (m.seen)
			return m.status;
		fprintf(stderr,
		        "kiln: %s: the guest stopped without an exit status\n",
		        name);
		return 255;
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr,
		        "kiln: %s: the guest stopped without an exit status "
		        "(QEMU ended by signal %d)\n",
		        name, WTERMSIG(status));
		return 255;
	}
	fprintf(stderr, "kiln: %s: QEMU failed (status %d)\n", name,
	        WEXITSTATUS(status));
	return 125;
}
