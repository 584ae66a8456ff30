# Helpers for kiln's tests (sourced after tests/lib.sh): a throwaway Kiln
# tree with a tiny runtime and a hosted "fake" target, so that kiln's
# build logic is tested apart from the real lib/rt and platforms.
#
# make_fake_tree DIR: fills DIR with include/ (the real headers), lib/rt,
# lib/extra (a library with a header folder), platform/fake and
# platform/fake2 (a second target); prints nothing.
# make_fake_app DIR NAME: an app using lib/extra, with a local header.

make_fake_tree() {
	local d=$1
	mkdir -p "$d/lib/rt" "$d/lib/extra/include" "$d/platform/fake" \
		"$d/platform/fake2"
	cp -r "$ROOT/include" "$d/include"

	cat >"$d/lib/rt/kiln.lib" <<'EOT'
# A stand-in runtime: just enough of kiln/rt.h for the tests.
sources = *.c
EOT
	cat >"$d/lib/rt/rt.c" <<'EOT'
#include <kiln/rt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kiln_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void kiln_args_check(void)
{
}

int kiln_start(const struct platform_start_info *info)
{
	static char line[4096];
	char *argv[64] = {"app"};
	int argc = 1;
	snprintf(line, sizeof(line), "%s", info->cmdline);
	for (char *w = strtok(line, " "); w && argc < 63; w = strtok(NULL, " "))
		argv[argc++] = w;
	return kiln_main(argc, argv);
}
EOT
	cat >"$d/lib/extra/kiln.lib" <<'EOT'
sources = extra.c
include = include
EOT
	cat >"$d/lib/extra/include/extra.h" <<'EOT'
int extra_value(void);
EOT
	cat >"$d/lib/extra/extra.c" <<'EOT'
#include <extra.h>
int extra_value(void)
{
	return 42;
}
EOT
	for t in fake fake2; do
		cat >"$d/platform/$t/kiln.target" <<EOT
description = a hosted stand-in target ($t) for kiln's tests
freestanding = no
cc = cc
cflags = -std=c11 -O0 -Wall -Werror
ldflags =
sources = *.c
sanitize_cflags = -fsanitize=address
sanitize_ldflags = -fsanitize=address
launch = {image} {opts} -- {args}
EOT
	done
	echo "machines = alpha beta" >>"$d/platform/fake2/kiln.target"
	echo "strip = yes" >>"$d/platform/fake2/kiln.target"
	# The platform: main() records its arguments in \$FAKE_ARGS (one per
	# line), passes the words after "--" as the boot command line, and
	# understands --exit=N, --signal=N, --pid (print the pid), --sleep=S
	# and --serve=PORT:MS:S (after MS ms, print "listening", then answer
	# HTTP on 127.0.0.1:PORT for S seconds and exit) itself.
	for t in fake fake2; do
		cat >"$d/platform/$t/start.c" <<'EOT'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <kiln/platform.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char cmdline[4096];
	static char heap[65536];
	const char *record = getenv("FAKE_ARGS");
	FILE *f = record ? fopen(record, "w") : NULL;
	int boot = argc;
	for (int i = 1; i < argc; i++) {
		if (f)
			fprintf(f, "%s\n", argv[i]);
		if (boot == argc && strcmp(argv[i], "--") == 0)
			boot = i + 1;
	}
	if (f)
		fclose(f);
	for (int i = boot; i < argc; i++) {
		if (strncmp(argv[i], "--exit=", 7) == 0)
			return atoi(argv[i] + 7);
		if (strncmp(argv[i], "--signal=", 9) == 0)
			raise(atoi(argv[i] + 9));
		if (strncmp(argv[i], "--sleep=", 8) == 0) {
			sleep((unsigned)atoi(argv[i] + 8));
			return 0;
		}
		unsigned port, ms, secs;
		if (sscanf(argv[i], "--serve=%u:%u:%u", &port, &ms, &secs) == 3) {
			struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
			nanosleep(&d, NULL);
			int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
			setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			struct sockaddr_in a = {.sin_family = AF_INET,
			                        .sin_port = htons((unsigned short)port),
			                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
			if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 8))
				return 9;
			printf("listening\n");
			fflush(stdout);
			alarm(secs);
			for (;;) {
				int c = accept(s, NULL, NULL);
				char buf[512];
				if (c >= 0 && recv(c, buf, sizeof(buf), 0) > 0) {
					const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
					send(c, r, sizeof(r) - 1, MSG_NOSIGNAL);
				}
				close(c);
			}
		}
		if (strcmp(argv[i], "--pid") == 0) {
			printf("pid %d\n", (int)getpid());
			return 0;
		}
		strncat(cmdline, argv[i], sizeof(cmdline) - strlen(cmdline) - 2);
		strcat(cmdline, " ");
	}
	struct platform_start_info info = {cmdline, heap, sizeof(heap), "fake"};
	return kiln_start(&info);
}
EOT
	done
}

make_fake_app() {
	local d=$1 name=$2
	mkdir -p "$d"
	cat >"$d/kiln.app" <<EOT
name = $name
sources = main.c other.c
libraries = extra
cflags = -DGREETING="hi"
EOT
	cat >"$d/local.h" <<'EOT'
#define LOCAL 1
EOT
	cat >"$d/main.c" <<'EOT'
#include <extra.h>
#include <kiln/rt.h>
#include "local.h"
int other(void);
int kiln_main(int argc, char **argv)
{
	kiln_printf("%s %d %d %d\n", GREETING, extra_value(), LOCAL, other());
	return 0;
}
EOT
	cat >"$d/other.c" <<'EOT'
int other(void)
{
	return 7;
}
EOT
}
