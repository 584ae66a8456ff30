/*
 * fuzz/hostopt_bootargs.c - boot arguments, the guest-side half of the
 * command line (lib/rt/args.c): arbitrary command lines split into words,
 * then claimed by flag, string, number and word queries chosen by the
 * input, then checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/rt/rt_internal.h"

/* What args.c needs from the rest of the runtime. */
static jmp_buf exited;
static int exit_status;

int kiln_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n;
}

_Noreturn void kiln_exit(int status)
{
	exit_status = status;
	longjmp(exited, 1);
}

static const char *const names[] = {"--port", "--log", "--fail",   "--a",
                                    "--",     "-",     "--port=1", ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	/* Two bytes choose the queries; the rest is the command line. */
	unsigned plan = data[0] | (unsigned)data[1] << 8;
	char *cmdline = malloc(size - 1);
	if (cmdline == NULL)
		return 0;
	memcpy(cmdline, data + 2, size - 2);
	cmdline[size - 2] = '\0';

	if (!rt_args_init("fuzz", cmdline))
		abort();
	int argc = rt_args_argc();
	char **argv = rt_args_argv();
	if (argc < 1 || strcmp(argv[0], "fuzz") != 0 || argv[argc] != NULL)
		abort();
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '\0' || strchr(argv[i], ' '))
			abort();

	for (int q = 0; q < 4; q++, plan >>= 4) {
		const char *name = names[plan & 7];
		uint64_t v = 5;
		const char *s;
		switch ((plan >> 3) & 1 ? q : 3 - q) {
		case 0:
			kiln_arg_flag(name);
			break;
		case 1:
			s = kiln_arg_string(name);
			if (s && strlen(s) > size)
				abort();
			break;
		case 2:
			if (kiln_arg_uint(name, 1, 1000, &v) &&
			    (v < 1 || v > 1000) && v != 5)
				abort();
			break;
		default:
			s = kiln_arg_word(plan & 3);
			if (s && (s[0] == '-' && s[1] == '-'))
				abort();
			break;
		}
	}
	exit_status = 0;
	if (setjmp(exited) == 0)
		kiln_args_check();
	if (exit_status != 0 && exit_status != 2)
		abort();
	rt_args_reset();
	free(cmdline);
	return 0;
}
