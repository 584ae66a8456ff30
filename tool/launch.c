/*
 * tool/launch.c - run an image through its target's launch template (see
 * launch.h and docs/building.md).
 */
#include "launch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A TCP/UDP port: 1..65535 in decimal, no sign, no leading junk. */
static bool parse_port(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*out = v;
	return true;
}

void launch_parse_forward(const char *spec, const char *what,
                          struct launch_forward *f)
{
	const char *colon = strchr(spec, ':');
	const char *slash = strchr(spec, '/');
	memset(f, 0, sizeof(*f));
	if (slash) {
		if (strcmp(slash + 1, "udp") == 0)
			f->udp = true;
		else if (strcmp(slash + 1, "http") == 0)
			f->http = true;
		else if (strcmp(slash + 1, "https") == 0)
			f->https = true;
		else if (strcmp(slash + 1, "tcp") != 0)
			die(EXIT_USAGE,
			    "%s: the protocol is tcp, udp, http or https, not "
			    "'%s'",
			    what, slash + 1);
	}
	size_t end = slash ? (size_t)(slash - spec) : strlen(spec);
	if (!colon || (size_t)(colon - spec) > end ||
	    !parse_port(spec, (size_t)(colon - spec), &f->host) ||
	    !parse_port(colon + 1, end - (size_t)(colon - spec) - 1, &f->guest))
		die(EXIT_USAGE,
		    "%s: expected HOST:GUEST ports (1-65535), e.g. -p "
		    "8080:80 or -p 5353:53/udp",
		    what);
}

/* The forwards of this run: the -p options, or else (when neither -p nor
 * --net was given) the app's `forward` key. */
static void run_forwards(const struct project *p, struct launch_options *o,
                         struct launch_forward **out, size_t *n)
{
	const struct desc_field *f = desc_get(&p->app, "forward");
	bool from_app = o->forwards.n == 0 && o->nnets == 0 && f;
	size_t count = from_app ? f->nwords : o->forwards.n;
	*out = xcalloc(count + 1, sizeof(**out));
	*n = count;
	for (size_t i = 0; i < count; i++) {
		if (from_app) {
			char *what = xasprintf("%s:%u: forward %s",
			                       display_path(p->appfile),
			                       f->line, f->words[i]);
			launch_parse_forward(f->words[i], what, &(*out)[i]);
			free(what);
		} else {
			char *what = xasprintf("-p %s", o->forwards.v[i]);
			launch_parse_forward(o->forwards.v[i], what,
			                     &(*out)[i]);
			free(what);
		}
	}
	/* --tls: HTTPS beside the app's web server, 8443 to 443. */
	bool web = false;
	for (size_t i = 0; i < count; i++)
		web |= (*out)[i].http && !(*out)[i].udp;
	if (o->tls && from_app && web)
		launch_parse_forward("8443:443/https", "--tls",
		                     &(*out)[(*n)++]);
}

/* A forward's host port must be free on 127.0.0.1: say so now, in one
 * line, rather than print its URL and then fail in the launcher. (The
 * launcher binds it moments later; SO_REUSEADDR as libslirp does.) */
static void check_port_free(const struct launch_forward *f)
{
	int fd = socket(AF_INET, f->udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)f->host);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	int e = errno;
	close(fd);
	if (r != 0 && e == EADDRINUSE)
		die(EXIT_USAGE,
		    "-p %u:%u%s: 127.0.0.1:%u is in use (pick another host "
		    "port)",
		    f->host, f->guest, f->udp ? "/udp" : "", f->host);
}

/* Is guest port a web server's, by a /http forward of the app's? */
static bool app_serves_http(const struct project *p, unsigned guest)
{
	const struct desc_field *f = desc_get(&p->app, "forward");
	for (size_t i = 0; f && i < f->nwords; i++) {
		struct launch_forward fw;
		launch_parse_forward(f->words[i], f->words[i], &fw);
		if (fw.http && fw.guest == guest)
			return true;
	}
	return false;
}

void launch_add_net(struct launch_options *o, const char *spec)
{
	if (o->nnets == sizeof(o->nets) / sizeof(o->nets[0]))
		die(EXIT_USAGE, "too many --net options");
	struct launch_net *n = &o->nets[o->nnets];
	memset(n, 0, sizeof(*n));
	if (strcmp(spec, "user") == 0) {
		o->nnets++;
		return;
	}
	if (strncmp(spec, "tap:", 4) == 0) {
		const char *name = spec + 4;
		size_t l = strlen(name);
		/* Linux interface names: 1..15 bytes, no '/', blank or ','. */
		bool ok = l > 0 && l < 16 && !strpbrk(name, "/, \t:=");
		if (ok) {
			n->tap = xstrdup(name);
			o->nnets++;
			return;
		}
		die(EXIT_USAGE, "--net %s: bad interface name '%s'", spec,
		    name);
	}
	die(EXIT_USAGE, "--net takes 'user' or 'tap:IFNAME', not '%s'", spec);
}

void launch_add_vchan(struct launch_options *o, const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t pl = colon ? (size_t)(colon - spec) : 0;
	bool ok = pl > 0 && pl < 32 && colon[1] != '\0' &&
	          strlen(colon + 1) < 108 && !strchr(colon + 1, ',');
	static const char peer_chars[] = "abcdefghijklmnopqrstuvwxyz"
	                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                 "0123456789._-";
	for (size_t i = 0; ok && i < pl; i++)
		ok = strchr(peer_chars, spec[i]) != NULL;
	if (!ok)
		die(EXIT_USAGE,
		    "--vchan %s: expected PEER:PATH (a peer name of A-Z a-z "
		    "0-9 . _ -, a path without commas)",
		    spec);
	sv_pushf(&o->vchans, "peer=%.*s,path=%s", (int)pl, spec, colon + 1);
}

bool launch_valid_mem(const char *s)
{
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n > 12)
		return false;
	return s[n] == '\0' ||
	       (strchr("KMGkmg", s[n]) && s[n] != '\0' && s[n + 1] == '\0');
}

/* Count the net devices the app declares. */
static size_t app_nets(const struct project *p)
{
	const struct desc_field *f = desc_get(&p->app, "devices");
	size_t n = 0;
	for (size_t i = 0; f && i < f->nwords; i++)
		if (strncmp(f->words[i], "net:", 4) == 0)
			n++;
	return n;
}

/* Port mistakes, each one line and status 2 before anything is built or
 * booted: forwards to an app that has no network device, one host port
 * forwarded twice (per protocol), a host port in use. */
static void check_forwards(const struct project *p,
                           const struct launch_options *o,
                           const struct launch_forward *fw, size_t nfw)
{
	bool from_app = o->forwards.n == 0;
	const char *app = display_path(p->appdir);
	if (nfw > 0 && app_nets(p) == 0) {
		if (from_app)
			die(EXIT_USAGE,
			    "%s:%u: forward: %s declares no network device "
			    "(devices = net:net0)",
			    display_path(p->appfile),
			    desc_get(&p->app, "forward")->line, app);
		die(EXIT_USAGE,
		    "-p %s: %s has no network device to forward to "
		    "(its kiln.app declares none)",
		    o->forwards.v[0], app);
	}
	for (size_t i = 0; i < nfw; i++)
		for (size_t j = 0; j < i; j++)
			if (fw[i].host == fw[j].host &&
			    fw[i].udp == fw[j].udp) {
				if (from_app)
					die(EXIT_USAGE,
					    "%s:%u: forward: host port %u%s is "
					    "forwarded twice",
					    display_path(p->appfile),
					    desc_get(&p->app, "forward")->line,
					    fw[i].host,
					    fw[i].udp ? "/udp" : "");
				die(EXIT_USAGE,
				    "-p %s: host port %u%s is already "
				    "forwarded "
				    "by -p %s",
				    o->forwards.v[i], fw[i].host,
				    fw[i].udp ? "/udp" : "", o->forwards.v[j]);
			}
	for (size_t i = 0; o->check_ports_free && i < nfw; i++)
		check_port_free(&fw[i]);
}

/* The host options as separate words. */
static void host_options(const struct project *p, struct launch_options *o,
                         struct strvec *out)
{
	/* Forwards go on the first user-mode net, made if need be. */
	struct launch_forward *fw;
	size_t nfw;
	run_forwards(p, o, &fw, &nfw);
	check_forwards(p, o, fw, nfw);
	if (nfw > 0) {
		size_t i = 0;
		while (i < o->nnets && o->nets[i].tap)
			i++;
		if (i == o->nnets)
			launch_add_net(o, "user");
		for (size_t j = 0; j < nfw; j++) {
			sv_pushf(&o->nets[i].fwds,
			         "hostfwd=%s:127.0.0.1:%u-:%u",
			         fw[j].udp ? "udp" : "tcp", fw[j].host,
			         fw[j].guest);
			if (fw[j].https)
				sv_pushf(&o->urls, "https://127.0.0.1:%u/",
				         fw[j].host);
			else if (fw[j].http ||
			         (!fw[j].udp &&
			          app_serves_http(p, fw[j].guest)))
				sv_pushf(&o->urls, "http://127.0.0.1:%u/",
				         fw[j].host);
		}
	}
	free(fw);
	/* An app with net devices gets user-mode networking by default. */
	if (o->nnets == 0)
		for (size_t i = app_nets(p); i > 0; i--)
			launch_add_net(o, "user");

	if (o->mem) {
		sv_push(out, "--mem");
		sv_push(out, o->mem);
	}
	for (size_t i = 0; i < o->nnets; i++) {
		const struct launch_net *n = &o->nets[i];
		sv_push(out, "--net");
		if (n->tap) {
			sv_pushf(out, "tap,ifname=%s", n->tap);
			continue;
		}
		char *v = xstrdup("user");
		for (size_t j = 0; j < n->fwds.n; j++) {
			char *w = xasprintf("%s,%s", v, n->fwds.v[j]);
			free(v);
			v = w;
		}
		sv_push_own(out, v);
	}
	for (size_t i = 0; i < o->blocks.n; i++) {
		sv_push(out, "--block");
		sv_pushf(out, "file=%s", o->blocks.v[i]);
	}
	for (size_t i = 0; i < o->vchans.n; i++) {
		sv_push(out, "--vchan");
		sv_push(out, o->vchans.v[i]);
	}
	if (o->machine) {
		sv_push(out, "--machine");
		sv_push(out, o->machine);
	}
}

static void check_machine(const struct project *p, const char *machine)
{
	const struct desc_field *f = desc_get(&p->target.desc, "machines");
	if (!f)
		die(EXIT_USAGE,
		    "--machine: target '%s' has no machines to choose from",
		    p->target.name);
	struct strvec list = {0};
	for (size_t i = 0; i < f->nwords; i++) {
		if (strcmp(f->words[i], machine) == 0)
			return;
		sv_push(&list, f->words[i]);
	}
	die(EXIT_USAGE,
	    "--machine: target '%s' has no machine '%s' (machines: %s)",
	    p->target.name, machine, sv_join_shell(&list));
}

void launch_argv(const struct project *p, struct launch_options *o,
                 struct strvec *argv)
{
	const struct desc *t = &p->target.desc;
	const struct desc_field *f = desc_get(t, "launch");
	if (!f)
		die(EXIT_USAGE,
		    "target '%s' cannot run images (%s has no launch)",
		    p->target.name, display_path(p->target.file));
	if (o->machine)
		check_machine(p, o->machine);
	/* A network app with nothing forwarded and no --net boots, with a
	 * hint on how to reach it (once the launch is known to work). */
	bool unreachable = o->forwards.n == 0 && o->nnets == 0 &&
	                   !desc_get(&p->app, "forward") && app_nets(p) > 0;
	struct strvec opts = {0};
	host_options(p, o, &opts);
	for (size_t i = 0; i < f->nwords; i++) {
		const char *w = f->words[i];
		if (strcmp(w, "{opts}") == 0)
			sv_append(argv, &opts);
		else if (strcmp(w, "{args}") == 0)
			sv_append(argv, &o->args);
		else
			sv_push_own(argv,
			            expand_word(p, w, t->file, f->line, true));
	}
	sv_free(&opts);
	/* A launcher named by its path (kiln-hvt) must be there: say so
	 * before building rather than after. (The image itself is made by
	 * the build.) */
	if (strchr(argv->v[0], '/') && strcmp(argv->v[0], p->image) != 0 &&
	    access(argv->v[0], X_OK) != 0)
		die(EXIT_BUILD, "target '%s' launches images with %s: %s%s",
		    p->target.name, argv->v[0], strerror(errno),
		    errno == ENOENT ? " (run make)" : "");
	if (unreachable)
		fprintf(stderr,
		        "kiln: %s has a network device but nothing forwarded "
		        "to it: add -p HOST:GUEST (e.g. -p 8080:80) or a "
		        "forward line to its kiln.app\n",
		        display_path(p->appdir));
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Does http://127.0.0.1:port/ answer? A TCP connect and a HEAD request,
 * each bounded; any reply starting "HTTP/" counts (user-mode networking
 * accepts the connection before the guest does, so a connect alone
 * proves nothing). */
static bool url_answers(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool ok = false;
	struct pollfd pf = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t el = sizeof(err);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 &&
	    (errno != EINPROGRESS || poll(&pf, 1, 250) != 1 ||
	     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err))
		goto out;
	char req[96];
	int n = snprintf(req, sizeof(req),
	                 "HEAD / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
	                 "Connection: close\r\n\r\n",
	                 port);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		goto out;
	char got[5];
	size_t have = 0;
	long long end = now_ms() + 1000;
	while (have < sizeof(got)) {
		long long left = end - now_ms();
		pf.events = POLLIN;
		if (left <= 0 || poll(&pf, 1, (int)left) != 1)
			goto out;
		ssize_t r = recv(fd, got + have, sizeof(got) - have, 0);
		if (r <= 0)
			goto out;
		have += (size_t)r;
	}
	ok = memcmp(got, "HTTP/", 5) == 0;
out:
	close(fd);
	return ok;
}

/* The poller: a child of kiln that outlives its exec of the launcher. It
 * prints "serving on URL" for each URL once it answers, or after the
 * bound one line saying it does not, and quits when the guest does. */
_Noreturn static void poll_urls(const struct launch_options *o, pid_t guest)
{
	size_t n = o->urls.n, left = n;
	bool *done = xcalloc(n, sizeof(*done));
	unsigned *port = xcalloc(n, sizeof(*port));
	/* An https URL (port 0 here) is not probed (a plain request would
	 * be a failed handshake in the guest's log): lib/http starts HTTPS
	 * right after HTTP, so it is announced with the last http one. */
	size_t plain = 0;
	for (size_t i = 0; i < n; i++)
		if (sscanf(o->urls.v[i], "http://127.0.0.1:%u/", &port[i]) == 1)
			plain++;
	long long end = now_ms() + (long long)o->url_wait * 1000;
	while (left > 0 && getppid() == guest) {
		for (size_t i = 0; i < n; i++)
			if (!done[i] && port[i] && url_answers(port[i])) {
				printf("serving on %s\n", o->urls.v[i]);
				fflush(stdout);
				done[i] = true;
				left--;
				plain--;
			}
		for (size_t i = 0; plain == 0 && i < n; i++)
			if (!done[i] && !port[i]) {
				printf("serving on %s\n", o->urls.v[i]);
				done[i] = true;
				left--;
				if (left == 0 && o->tls_note)
					printf("%s", o->tls_note);
				fflush(stdout);
			}
		if (left == 0)
			break;
		if (now_ms() >= end) {
			for (size_t i = 0; i < n; i++)
				if (!done[i])
					fprintf(stderr,
					        "kiln: %s does not answer "
					        "after "
					        "%u s (the guest is still "
					        "running; see its output)\n",
					        o->urls.v[i], o->url_wait);
			break;
		}
		struct timespec t = {0, 20 * 1000 * 1000};
		nanosleep(&t, NULL);
	}
	_exit(0);
}

_Noreturn void launch_exec(const struct launch_options *o, struct strvec *argv,
                           bool verbose)
{
	if (verbose)
		printf("kiln: running %s\n", sv_join_shell(argv));
	fflush(stdout);
	fflush(stderr);
	/* The guest knows its own port, not the host's: the URL a person
	 * opens comes from here, once it answers. kiln itself becomes the
	 * launcher (its pid, its exit status); a child polls. */
	if (o->urls.n > 0) {
		pid_t self = getpid();
		pid_t c = fork();
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			poll_urls(o, self);
		}
	}
	execvp(argv->v[0], argv->v);
	die(EXIT_BUILD, "cannot run %s: %s", argv->v[0], strerror(errno));
}
