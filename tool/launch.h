/*
 * tool/launch.h - `kiln run`: turn kiln's run options into the host
 * options the unix image and kiln-hvt share (QEMU style), fill the
 * target's launch template and exec it.
 */
#ifndef KILN_TOOL_LAUNCH_H
#define KILN_TOOL_LAUNCH_H

#include "project.h"

/* One --net for the launcher. */
struct launch_net {
	char *tap;          /* tap interface name, or NULL for user mode */
	struct strvec fwds; /* hostfwd=... words (user mode) */
};

struct launch_options {
	struct launch_net nets[16];
	size_t nnets;
	struct strvec forwards; /* -p values, before they find a user net */
	struct strvec urls;     /* "http://127.0.0.1:H/" of HTTP forwards */
	struct strvec blocks;   /* --block paths */
	struct strvec vchans;   /* --vchan host option values */
	const char *mem;
	const char *machine;
	unsigned url_wait;     /* seconds to wait for the URLs to answer */
	bool check_ports_free; /* host ports must be free now (not kiln pkg) */
	struct strvec args;    /* boot arguments (after --) */
	/* --tls: the image serves HTTPS on guest port 443 too; forwarded
	 * from 127.0.0.1:8443 beside the app's own /http forwards. */
	bool tls;
	const char *tls_note; /* printed with the URLs (how to trust) */
};

/* A port forward: -p HOST:GUEST[/tcp|/udp|/http|/https], or a word of the
 * app's `forward` key (the same syntax). /http and /https are TCP for a
 * web server: kiln run prints its URL. */
struct launch_forward {
	unsigned host, guest;
	bool udp, http, https;
};

/* Parse a forward; what names it in the error (e.g. "-p 8080:80"). Dies
 * with status 2 on a mistake. */
void launch_parse_forward(const char *spec, const char *what,
                          struct launch_forward *f);
/* --net user | --net tap:IFNAME; dies with status 2 on a mistake. */
void launch_add_net(struct launch_options *o, const char *spec);
/* --vchan PEER:PATH (a vchan link, docs/vchan.md); dies with status 2
 * on a mistake. */
void launch_add_vchan(struct launch_options *o, const char *spec);
/* --mem SIZE: digits with an optional K, M or G. */
bool launch_valid_mem(const char *s);

/* Build the launcher's command line: the target's launch template with
 * {opts}, {args} and the other placeholders filled in. Dies (status 2)
 * when the target cannot launch or an option does not suit it. */
void launch_argv(const struct project *p, struct launch_options *o,
                 struct strvec *argv);

/* Exec the launcher; never returns. With HTTP forwards, a child process
 * polls each URL while the guest runs and prints "serving on URL" once it
 * answers (a TCP connect and a HEAD), or after url_wait seconds a line
 * saying it does not. */
_Noreturn void launch_exec(const struct launch_options *o, struct strvec *argv,
                           bool verbose);

#endif /* KILN_TOOL_LAUNCH_H */
