/*
 * tool/detach.c - detached runs and the commands that look after them
 * (see detach.h).
 */
#include "detach.h"

#include "build.h"
#include "desc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *detach_state_home(const char *what)
{
	const char *k = getenv("KILN_STATE_HOME");
	if (k && *k)
		return xstrdup(k);
	const char *x = getenv("XDG_STATE_HOME");
	if (x && *x == '/')
		return xasprintf("%s/kiln", x);
	const char *h = getenv("HOME");
	if (!h || !*h)
		die(EXIT_USAGE,
		    "%s: set HOME or KILN_STATE_HOME (where kiln keeps its "
		    "state)",
		    what);
	return xasprintf("%s/.local/state/kiln", h);
}

static char *run_dir(void)
{
	char *state = detach_state_home("kiln");
	char *dir = path_join(state, "run");
	free(state);
	return dir;
}

static char *entry_file(const char *name, const char *file)
{
	char *dir = run_dir();
	char *e = path_join(dir, name);
	char *f = file ? path_join(e, file) : xstrdup(e);
	free(e);
	free(dir);
	return f;
}

/* The start time of a live process (field 22 of /proc/PID/stat, clock
 * ticks since boot), or 0 when there is none or it is a zombie. */
static unsigned long long proc_start(pid_t pid)
{
	if (pid <= 0)
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	size_t len;
	char *s = read_file(path, 4096, &len);
	if (!s)
		return 0;
	/* After the command's ")": state, then fields 4 on. */
	char *p = strrchr(s, ')');
	unsigned long long start = 0;
	if (p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X') {
		p += 2;
		for (int field = 3; field < 22 && p; field++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (p)
			start = strtoull(p, NULL, 10);
	}
	free(s);
	return start;
}

/* A process group's resident memory (bytes), from /proc/PID/stat. */
static unsigned long long group_rss(pid_t pgid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	unsigned long long pages = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		size_t len;
		char *s = read_file(path, 4096, &len);
		if (!s)
			continue;
		char *p = strrchr(s, ')');
		long long pg = -1;
		unsigned long long rss = 0;
		/* Fields after ")": 3 state, 4 ppid, 5 pgrp, ... 24 rss. */
		for (int field = 3; p && field <= 24; field++) {
			p = strchr(p, ' ');
			if (!p)
				break;
			p++;
			if (field == 5)
				pg = strtoll(p, NULL, 10);
			else if (field == 24)
				rss = strtoull(p, NULL, 10);
		}
		if (pg == pgid)
			pages += rss;
		free(s);
	}
	closedir(d);
	return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* The pids of a process group but one (the keeper). */
static void group_pids(pid_t pgid, pid_t except, struct strvec *out)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid != except && getpgid(pid) == pgid)
			sv_push(out, e->d_name);
	}
	closedir(d);
}

struct entry {
	char *name;
	pid_t pid, keeper; /* the launcher; its keeper (session leader) */
	unsigned long long pid_start, keeper_start;
	long long started; /* epoch seconds */
	char *target, *image, *app, *ports;
	bool has_status;
	char *status; /* "exited 0", "killed 9" */
};

static void entry_free(struct entry *e)
{
	free(e->name);
	free(e->target);
	free(e->image);
	free(e->app);
	free(e->ports);
	free(e->status);
	memset(e, 0, sizeof(*e));
}

/* Read NAME's info and status; false when there is no info. */
static bool entry_load(const char *name, struct entry *e)
{
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	char *info = entry_file(name, "info");
	size_t len;
	char *s = read_file(info, 65536, &len);
	free(info);
	if (!s)
		return false;
	for (char *line = s, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		const char *v = sp + 1;
		if (strcmp(line, "pid") == 0)
			e->pid = (pid_t)atoi(v);
		else if (strcmp(line, "pid_start") == 0)
			e->pid_start = strtoull(v, NULL, 10);
		else if (strcmp(line, "keeper") == 0)
			e->keeper = (pid_t)atoi(v);
		else if (strcmp(line, "keeper_start") == 0)
			e->keeper_start = strtoull(v, NULL, 10);
		else if (strcmp(line, "started") == 0)
			e->started = atoll(v);
		else if (strcmp(line, "target") == 0)
			e->target = xstrdup(v);
		else if (strcmp(line, "image") == 0)
			e->image = xstrdup(v);
		else if (strcmp(line, "app") == 0)
			e->app = xstrdup(v);
		else if (strcmp(line, "ports") == 0)
			e->ports = xstrdup(v);
	}
	free(s);
	char *st = entry_file(name, "status");
	char *status = read_file(st, 256, &len);
	free(st);
	if (status) {
		e->has_status = true;
		status[strcspn(status, "\n")] = '\0';
		e->status = status;
	}
	return true;
}

static bool launcher_alive(const struct entry *e)
{
	return e->pid > 0 && e->pid_start && proc_start(e->pid) == e->pid_start;
}

static bool keeper_alive(const struct entry *e)
{
	return e->keeper > 0 && e->keeper_start &&
	       proc_start(e->keeper) == e->keeper_start;
}

enum state { ST_RUNNING, ST_EXITED, ST_STALE };

static enum state entry_state(const struct entry *e)
{
	if (e->has_status)
		return ST_EXITED;
	if (launcher_alive(e) || keeper_alive(e))
		return ST_RUNNING;
	return ST_STALE;
}

/* Load NAME; a stale entry is removed and reported as missing. */
static bool entry_get(const char *name, struct entry *e)
{
	bool ok = entry_load(name, e);
	if (!ok || entry_state(e) == ST_STALE) {
		char *dir = entry_file(name, NULL);
		/* A folder without info for 10 s: a claim whose kiln died
		 * before it wrote any (a newer one may be being made). */
		struct stat st;
		if (ok ||
		    (stat(dir, &st) == 0 && time(NULL) - st.st_mtime > 10))
			remove_tree(dir);
		free(dir);
		entry_free(e);
		return false;
	}
	return true;
}

static void write_info(const char *name, const struct entry *e)
{
	char *info = entry_file(name, "info");
	char *tmp = xasprintf("%s.tmp", info);
	char *text = xasprintf("pid %d\npid_start %llu\nkeeper %d\n"
	                       "keeper_start %llu\nstarted %lld\ntarget %s\n"
	                       "image %s\napp %s\nports %s\n",
	                       (int)e->pid, e->pid_start, (int)e->keeper,
	                       e->keeper_start, e->started,
	                       e->target ? e->target : "-",
	                       e->image ? e->image : "-", e->app ? e->app : "-",
	                       e->ports && *e->ports ? e->ports : "-");
	if (!write_file(tmp, text, strlen(text)) || rename(tmp, info) != 0)
		die(EXIT_BUILD, "cannot write %s: %s", info, strerror(errno));
	free(text);
	free(tmp);
	free(info);
}

static bool try_claim(const char *name, bool explicit)
{
	char *dir = entry_file(name, NULL);
	for (int tries = 0; tries < 2; tries++) {
		if (mkdir(dir, 0700) == 0) {
			/* Held by this kiln until the keeper takes over. */
			struct entry e = {0};
			e.keeper = getpid();
			e.keeper_start = proc_start(e.keeper);
			e.started = (long long)time(NULL);
			write_info(name, &e);
			free(dir);
			return true;
		}
		if (errno != EEXIST)
			die(EXIT_BUILD, "cannot create %s: %s", dir,
			    strerror(errno));
		struct entry e;
		if (entry_get(name, &e)) {
			enum state s = entry_state(&e);
			entry_free(&e);
			if (s == ST_RUNNING) {
				if (explicit)
					die(EXIT_USAGE,
					    "the name '%s' is taken by a "
					    "running unikernel (kiln stop %s, "
					    "or another --name)",
					    name, name);
				free(dir);
				return false;
			}
			/* An exited one of that name gives way. */
			remove_tree(dir);
		}
	}
	die(EXIT_BUILD, "cannot claim %s", dir);
}

char *detach_claim(const char *name, const char *app_name)
{
	char *dir = run_dir();
	xmkdir_p(dir);
	free(dir);
	if (name) {
		if (!desc_valid_name(name))
			die(EXIT_USAGE, "--name %s: use [a-z][a-z0-9_-]*",
			    name);
		try_claim(name, true);
		return xstrdup(name);
	}
	if (try_claim(app_name, false))
		return xstrdup(app_name);
	for (int i = 2; i < 1000; i++) {
		char *n = xasprintf("%s-%d", app_name, i);
		if (try_claim(n, false))
			return n;
		free(n);
	}
	die(EXIT_USAGE, "no free name for %s; give one with --name", app_name);
}

/* "127.0.0.1:8080->80/tcp" for each user-mode forward. */
static char *ports_text(const struct launch_options *o)
{
	struct strvec v = {0};
	for (size_t i = 0; i < o->nnets; i++)
		for (size_t j = 0; j < o->nets[i].fwds.n; j++) {
			char proto[4];
			unsigned h, g;
			if (sscanf(o->nets[i].fwds.v[j],
			           "hostfwd=%3[a-z]:127.0.0.1:%u-:%u", proto,
			           &h, &g) == 3)
				sv_pushf(&v, "127.0.0.1:%u->%u/%s", h, g,
				         proto);
		}
	for (size_t i = 0; i < o->nnets; i++)
		if (o->nets[i].tap)
			sv_pushf(&v, "tap:%s", o->nets[i].tap);
	size_t n = 1;
	for (size_t i = 0; i < v.n; i++)
		n += strlen(v.v[i]) + 1;
	char *s = xcalloc(n, 1);
	for (size_t i = 0; i < v.n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, v.v[i]);
	}
	sv_free(&v);
	return s;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&t, NULL);
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0, pl = strlen(prefix);
	for (const char *p = text; p && *p;) {
		if (strncmp(p, prefix, pl) == 0)
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* The keeper: the session leader of the unikernel's processes. It starts
 * the launcher, records it, and writes its status when it ends. */
_Noreturn static void keeper(const char *name, const struct project *p,
                             const struct launch_options *o,
                             struct strvec *argv, bool verbose, int ready)
{
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	char *log = entry_file(name, "log");
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || null < 0)
		_exit(EXIT_BUILD);
	/* Nothing of the caller's terminal or pipes is kept: a caller
	 * reading kiln's output sees its end when kiln exits. */
	dup2(null, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	pid_t l = fork();
	if (l < 0)
		_exit(EXIT_BUILD);
	if (l == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		launch_exec(o, argv, verbose);
	}
	struct entry e = {0};
	e.pid = l;
	/* The child's start time is set at fork; retry while /proc
	 * catches up. */
	for (int i = 0; i < 100 && !e.pid_start; i++) {
		e.pid_start = proc_start(l);
		if (!e.pid_start)
			sleep_ms(1);
	}
	e.keeper = getpid();
	e.keeper_start = proc_start(e.keeper);
	e.started = (long long)time(NULL);
	e.target = p->target.name;
	e.image = p->image;
	e.app = p->appdir;
	e.ports = ports_text(o);
	write_info(name, &e);
	(void)!write(ready, "k", 1);
	close(ready);
	int status;
	while (waitpid(l, &status, 0) < 0 && errno == EINTR)
		;
	char *text = WIFEXITED(status)
	                     ? xasprintf("exited %d\n", WEXITSTATUS(status))
	                     : xasprintf("killed %d\n", WTERMSIG(status));
	char *st = entry_file(name, "status");
	write_file(st, text, strlen(text));
	_exit(0);
}

int detach_start(const char *name, const struct project *p,
                 const struct launch_options *o, struct strvec *argv,
                 bool verbose)
{
	build_unlock();
	int pfd[2];
	if (pipe(pfd) != 0)
		die(EXIT_BUILD, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid_t k = fork();
	if (k < 0)
		die(EXIT_BUILD, "fork: %s", strerror(errno));
	if (k == 0) {
		close(pfd[0]);
		keeper(name, p, o, argv, verbose, pfd[1]);
	}
	close(pfd[1]);
	char c;
	ssize_t r;
	while ((r = read(pfd[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	/* The keeper is its own session's leader; kiln does not wait for
	 * it (it is reparented when kiln exits). */
	if (r != 1)
		die(EXIT_BUILD, "%s: the unikernel did not start", name);
	printf("%s\n", name);
	fflush(stdout);
	/* With HTTP forwards: the URLs, once they answer (the poller says so
	 * in the log), or the line saying they do not. */
	char *log = entry_file(name, "log");
	long long start = now_ms();
	long long end = start + (long long)o->url_wait * 1000 + 2000;
	int rc = 0;
	for (;;) {
		struct entry e;
		bool live =
		        entry_get(name, &e) && entry_state(&e) == ST_RUNNING;
		size_t len;
		char *text = read_file(log, 1 << 20, &len);
		size_t served = text ? count_lines(text, "serving on ") : 0;
		size_t silent = text ? count_lines(text, "kiln: http") : 0;
		/* Without URLs: a moment, for an image that fails at once. */
		bool quick = o->urls.n == 0 && now_ms() > start + 300;
		bool all = o->urls.n > 0 && served + silent >= o->urls.n;
		if (quick || all || !live || now_ms() > end) {
			for (const char *q = text; q && *q;) {
				const char *nl = strchr(q, '\n');
				size_t ll = nl ? (size_t)(nl - q) : strlen(q);
				if (strncmp(q, "serving on ", 11) == 0)
					printf("%.*s\n", (int)ll, q);
				q = nl ? nl + 1 : NULL;
			}
			const char *st = e.status ? e.status : "gone";
			if (!live && o->urls.n > 0 && served < o->urls.n) {
				fprintf(stderr,
				        "kiln: %s ended before it served (%s); "
				        "see kiln logs %s\n",
				        name, st, name);
				rc = EXIT_BUILD;
			} else if (!live && o->urls.n == 0 &&
			           strcmp(st, "exited 0") != 0) {
				fprintf(stderr,
				        "kiln: %s ended at once (%s); see kiln "
				        "logs %s\n",
				        name, st, name);
				rc = EXIT_BUILD;
			}
			free(text);
			entry_free(&e);
			break;
		}
		free(text);
		entry_free(&e);
		sleep_ms(50);
	}
	free(log);
	return rc;
}

/* --- ps, logs, stop, rm ------------------------------------------------ */

static void names(struct strvec *out)
{
	char *dir = run_dir();
	DIR *d = opendir(dir);
	free(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			sv_push(out, e->d_name);
	closedir(d);
	/* Sorted, for a stable listing. */
	for (size_t i = 1; i < out->n; i++)
		for (size_t j = i;
		     j > 0 && strcmp(out->v[j - 1], out->v[j]) > 0; j--) {
			char *t = out->v[j];
			out->v[j] = out->v[j - 1];
			out->v[j - 1] = t;
		}
}

static void uptime_text(long long secs, char *buf, size_t n)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(buf, n, "%llds", secs);
	else if (secs < 7200)
		snprintf(buf, n, "%lldm", secs / 60);
	else if (secs < 172800)
		snprintf(buf, n, "%lldh", secs / 3600);
	else
		snprintf(buf, n, "%lldd", secs / 86400);
}

/* path below the current folder without it, else as it is. */
static const char *short_path(const char *path)
{
	static char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return path;
	size_t n = strlen(cwd);
	if (strncmp(path, cwd, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static const char usage_ps[] =
        "usage: kiln ps\n"
        "\n"
        "List the unikernels started with kiln run -d: name, target,\n"
        "image, forwarded ports, uptime, resident memory (of all its\n"
        "processes: the image, monitor or QEMU) and state (running, or\n"
        "exited with its status until kiln rm or a new run of that name).\n"
        "Entries whose processes are gone without a status are removed.\n";

static bool help_only(int argc, char **argv, const char *usage)
{
	if (argc >= 1 &&
	    (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		fputs(usage, stdout);
		return true;
	}
	return false;
}

static _Noreturn void usage_error(const char *cmd, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "kiln: %s (see kiln %s --help)\n", what, cmd);
	exit(EXIT_USAGE);
}

int cmd_ps(int argc, char **argv)
{
	if (help_only(argc, argv, usage_ps))
		return 0;
	if (argc > 0)
		usage_error("ps", "ps takes no arguments");
	struct strvec v = {0};
	names(&v);
	printf("%-16s %-7s %-40s %-24s %-7s %-8s %s\n", "NAME", "TARGET",
	       "IMAGE", "PORTS", "UPTIME", "MEMORY", "STATE");
	for (size_t i = 0; i < v.n; i++) {
		struct entry e;
		if (!entry_get(v.v[i], &e) || !e.target)
			continue;
		char up[32] = "-", mem[32] = "-";
		enum state s = entry_state(&e);
		if (s == ST_RUNNING) {
			uptime_text((long long)time(NULL) - e.started, up,
			            sizeof(up));
			unsigned long long b = group_rss(e.keeper);
			snprintf(mem, sizeof(mem), "%lluM",
			         (b + (1 << 19)) >> 20);
		}
		printf("%-16s %-7s %-40s %-24s %-7s %-8s %s\n", e.name,
		       e.target, short_path(e.image), e.ports, up, mem,
		       s == ST_RUNNING ? "running" : e.status);
		entry_free(&e);
	}
	sv_free(&v);
	return 0;
}

static const char usage_logs[] =
        "usage: kiln logs [-f] NAME\n"
        "\n"
        "Print the console output of NAME (started with kiln run -d).\n"
        "\n"
        "  -f, --follow  keep printing as it grows, until NAME ends\n";

static void get_or_die(const char *name, struct entry *e)
{
	if (!entry_get(name, e) || !e->target)
		die(EXIT_USAGE, "no unikernel named '%s' (see kiln ps)", name);
}

int cmd_logs(int argc, char **argv)
{
	if (help_only(argc, argv, usage_logs))
		return 0;
	bool follow = false;
	const char *name = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 ||
		    strcmp(argv[i], "--follow") == 0)
			follow = true;
		else if (argv[i][0] == '-')
			usage_error("logs", "unknown option");
		else if (name)
			usage_error("logs", "logs takes one NAME");
		else
			name = argv[i];
	}
	if (!name)
		usage_error("logs", "logs needs a NAME");
	struct entry e;
	get_or_die(name, &e);
	entry_free(&e);
	char *log = entry_file(name, "log");
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_BUILD, "cannot read %s: %s", log, strerror(errno));
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
				return EXIT_BUILD;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (!follow)
			break;
		fflush(stdout);
		/* Ended: one more read for what came last, then stop. */
		bool live =
		        entry_get(name, &e) && entry_state(&e) == ST_RUNNING;
		entry_free(&e);
		if (!live) {
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)n, stdout);
			break;
		}
		sleep_ms(100);
	}
	close(fd);
	free(log);
	return 0;
}

static const char usage_stop[] =
        "usage: kiln stop [-t SECONDS] NAME...\n"
        "\n"
        "Stop NAME (started with kiln run -d): SIGTERM to its launcher,\n"
        "which asks the unikernel to stop (its exit hooks run, status 0);\n"
        "after SECONDS (default 10) without an exit, SIGKILL to all its\n"
        "processes. The entry stays, as exited, for kiln logs; kiln rm\n"
        "removes it.\n";

/* Wait up to ms for NAME's status; true when it came. */
static bool wait_status(const char *name, long long ms)
{
	long long end = now_ms() + ms;
	for (;;) {
		struct entry e;
		bool got = entry_load(name, &e) && e.has_status;
		bool gone = !got && !launcher_alive(&e) && !keeper_alive(&e);
		entry_free(&e);
		if (got)
			return true;
		if (gone || now_ms() >= end)
			return false;
		sleep_ms(20);
	}
}

static int stop_one(const char *name, long timeout)
{
	struct entry e;
	if (!entry_get(name, &e) || !e.target) {
		fprintf(stderr, "kiln: no unikernel named '%s' (see kiln ps)\n",
		        name);
		return EXIT_USAGE;
	}
	if (entry_state(&e) != ST_RUNNING) {
		printf("%s: not running (%s)\n", name, e.status);
		entry_free(&e);
		return 0;
	}
	long long t0 = now_ms();
	if (launcher_alive(&e))
		kill(e.pid, SIGTERM);
	bool clean = wait_status(name, timeout * 1000);
	if (!clean) {
		struct strvec pids = {0};
		group_pids(e.keeper, e.keeper, &pids);
		for (size_t i = 0; i < pids.n; i++)
			kill((pid_t)atoi(pids.v[i]), SIGKILL);
		sv_free(&pids);
		if (!wait_status(name, 5000)) {
			/* The keeper itself is gone: record it here. */
			char *st = entry_file(name, "status");
			write_file(st, "killed 9\n", 9);
			free(st);
		}
	}
	struct entry after;
	entry_load(name, &after);
	printf("%s: stopped in %.1f s (%s%s)\n", name,
	       (double)(now_ms() - t0) / 1000,
	       after.status ? after.status : "gone",
	       clean ? "" : ", killed after the bound");
	entry_free(&after);
	entry_free(&e);
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	if (help_only(argc, argv, usage_stop))
		return 0;
	long timeout = 10;
	struct strvec list = {0};
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 ||
		    strcmp(argv[i], "--time") == 0) {
			char *end;
			if (i + 1 >= argc)
				usage_error("stop", "-t needs SECONDS");
			timeout = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || timeout < 0 ||
			    timeout > 3600)
				usage_error("stop",
				            "-t takes 0 to 3600 seconds");
		} else if (argv[i][0] == '-') {
			usage_error("stop", "unknown option");
		} else {
			sv_push(&list, argv[i]);
		}
	}
	if (list.n == 0)
		usage_error("stop", "stop needs a NAME");
	int rc = 0;
	for (size_t i = 0; i < list.n; i++) {
		int r = stop_one(list.v[i], timeout);
		if (r > rc)
			rc = r;
	}
	sv_free(&list);
	return rc;
}

static const char usage_rm[] =
        "usage: kiln rm NAME...\n"
        "\n"
        "Remove NAME's entry and log (an exited unikernel; stop a running\n"
        "one first).\n";

int cmd_rm(int argc, char **argv)
{
	if (help_only(argc, argv, usage_rm))
		return 0;
	if (argc == 0)
		usage_error("rm", "rm needs a NAME");
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		struct entry e;
		if (argv[i][0] == '-')
			usage_error("rm", "unknown option");
		if (!entry_get(argv[i], &e) || !e.target) {
			fprintf(stderr,
			        "kiln: no unikernel named '%s' (see kiln ps)\n",
			        argv[i]);
			rc = EXIT_USAGE;
			continue;
		}
		if (entry_state(&e) == ST_RUNNING) {
			fprintf(stderr,
			        "kiln: %s is running (kiln stop %s first)\n",
			        argv[i], argv[i]);
			rc = EXIT_USAGE;
		} else {
			char *dir = entry_file(argv[i], NULL);
			remove_tree(dir);
			free(dir);
		}
		entry_free(&e);
	}
	return rc;
}
