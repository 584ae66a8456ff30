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
	struct strvec forwards; /* from -p, before they find a user net */
	struct strvec blocks;   /* --block paths */
	const char *mem;
	const char *machine;
	struct strvec args; /* boot arguments (after --) */
};

/* Parse the value of -p (HOST:GUEST or HOST:GUEST/udp|tcp) into a
 * hostfwd word; dies with status 2 on a mistake. */
char *launch_forward(const char *spec);
/* --net user | --net tap:IFNAME; dies with status 2 on a mistake. */
void launch_add_net(struct launch_options *o, const char *spec);
/* --mem SIZE: digits with an optional K, M or G. */
bool launch_valid_mem(const char *s);

/* Build the launcher's command line: the target's launch template with
 * {opts}, {args} and the other placeholders filled in. Dies (status 2)
 * when the target cannot launch or an option does not suit it. */
void launch_argv(const struct project *p, struct launch_options *o,
                 struct strvec *argv);

/* exec the launcher; never returns. */
_Noreturn void launch_exec(struct strvec *argv, bool verbose);

#endif /* KILN_TOOL_LAUNCH_H */
