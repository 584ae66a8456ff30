/*
 * main.c - the unix target's process entry: host options, then "--" and
 * the boot arguments, a heap, the devices, and kiln_start().
 *
 *   IMAGE [--mem SIZE] [--net ...]... [--block file=PATH]... [-- BOOTARGS]
 */
#include "unix.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Clock origin (console.c). */
void unix_clock_init(void);

static void usage(const char *prog)
{
	unix_say("usage: %s [--mem SIZE] [--net user[,hostfwd=tcp:127.0.0.1:"
	         "H-:G]...] [--net tap,ifname=NAME] [--block file=PATH] "
	         "[--vchan peer=NAME,path=PATH[,window=SIZE]] "
	         "[-- BOOT ARGUMENTS]",
	         prog);
}

/* Join the boot arguments with single spaces. */
static char *join_words(int argc, char **argv, int from)
{
	size_t len = 1;
	for (int i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len);
	if (s == NULL)
		return NULL;
	s[0] = '\0';
	char *p = s;
	for (int i = from; i < argc; i++) {
		if (p != s)
			*p++ = ' ';
		size_t n = strlen(argv[i]);
		memcpy(p, argv[i], n);
		p += n;
		*p = '\0';
	}
	return s;
}

int main(int argc, char **argv)
{
	static struct host_options opts;
	char err[256];
	int i = 1;

	unix_clock_init();
	host_options_init(&opts);
	while (i < argc) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(argv[0]);
			return 0;
		}
		int used = host_option(&opts, argc, argv, i, err, sizeof(err));
		if (used < 0) {
			unix_say("kiln: %s", err);
			return 2;
		}
		if (used == 0) {
			unix_say("kiln: unknown host option '%s' (boot "
			         "arguments go after --)",
			         argv[i]);
			return 2;
		}
		i += used;
	}

	/* Static: the fibers' stacks hide main's frame from leak checkers. */
	static char *cmdline;
	cmdline = join_words(argc, argv, i);
	void *heap = mmap(NULL, opts.mem, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (cmdline == NULL || heap == MAP_FAILED) {
		unix_say("kiln: cannot allocate %llu bytes of memory",
		         (unsigned long long)opts.mem);
		return 1;
	}
	unix_devices_open(&opts);
	unix_shm_setup(&opts);
	host_stop_init();

	struct platform_start_info info = {
	        .cmdline = cmdline,
	        .heap_start = heap,
	        .heap_size = opts.mem,
	        .target = "unix",
	};
	platform_exit(kiln_start(&info));
}
