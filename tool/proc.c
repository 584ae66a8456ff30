/*
 * tool/proc.c - running other programs (see proc.h).
 */
#include "proc.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t proc_spawn(char *const argv[], const char *dir, const char *log)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		die(EXIT_BUILD, "fork: %s", strerror(errno));
	if (pid > 0)
		return pid;

	/* The child: only async-signal-safe work from here on. */
	if (log) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		close(fd);
	}
	if (dir && chdir(dir) != 0) {
		dprintf(2, "kiln: cannot enter %s: %s\n", dir, strerror(errno));
		_exit(127);
	}
	execvp(argv[0], argv);
	dprintf(2, "kiln: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int proc_wait(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die(EXIT_BUILD, "waitpid: %s", strerror(errno));
	}
	return status;
}

int proc_run(char *const argv[], const char *dir)
{
	return proc_wait(proc_spawn(argv, dir, NULL));
}

char *proc_output(char *const argv[])
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		die(EXIT_BUILD, "pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die(EXIT_BUILD, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(fds[1], 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "kiln: cannot run %s: %s\n", argv[0],
		        strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 256, n = 0;
	char *out = xmalloc(cap);
	for (;;) {
		if (n + 1 == cap)
			out = xrealloc(out, cap *= 2);
		ssize_t r = read(fds[0], out + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	close(fds[0]);
	if (!proc_ok(proc_wait(pid))) {
		free(out);
		return NULL;
	}
	return out;
}

bool proc_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const char *proc_describe(int status)
{
	static char buf[96];
	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited with status %d",
		         WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "was killed by signal %d (%s)",
		         WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "ended with wait status %d", status);
	return buf;
}
