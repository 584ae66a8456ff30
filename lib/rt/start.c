/*
 * start.c - kiln_start, the runtime's entry from the platform.
 */
#include "rt_internal.h"

#include <string.h>

#ifdef KILN_FREESTANDING
#include "libc/rt_libc.h"
#endif

/* The image's name (argv[0]); kiln defines it from the app manifest. */
#ifndef KILN_APP_NAME
#define KILN_APP_NAME "kiln"
#endif

/* kiln_main may keep large buffers on its stack; it gets more than the
 * default a spawned fiber gets. */
#define MAIN_STACK_SIZE (4 * KILN_FIBER_STACK_DEFAULT)

enum kiln_log_level kiln_log_level = KILN_LOG_INFO;

static const char *target_name = "unknown";

const char *kiln_target(void)
{
	return target_name;
}

static void main_fiber(void *arg)
{
	(void)arg;
	rt_loop_main_done(kiln_main(rt_args_argc(), rt_args_argv()));
}

/* Claim --log=LEVEL; a bad level ends the boot with status 2. */
static void claim_log_level(void)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	const char *v = kiln_arg_string("--log");
	if (v == NULL)
		return;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(v, names[i]) == 0) {
			kiln_log_level = (enum kiln_log_level)i;
			return;
		}
	}
	kiln_printf("boot argument --log: '%s' is not one of error, warn, "
	            "info, debug\n",
	            v);
	kiln_exit(2);
}

int kiln_start(const struct platform_start_info *info)
{
#ifdef KILN_FREESTANDING
	rt_libc_init(info->heap_start, info->heap_size);
#endif
	rt_mem_init(info->heap_start, info->heap_size);
	if (info->target)
		target_name = info->target;
	if (!rt_args_init(KILN_APP_NAME, info->cmdline ? info->cmdline : ""))
		kiln_panic("out of memory for the boot arguments");
	claim_log_level();

	if (kiln_fiber_spawn("main", main_fiber, NULL, MAIN_STACK_SIZE) == NULL)
		kiln_panic("out of memory for the main fiber");
	int status = rt_loop_run();
	rt_run_exit_hooks();
	rt_fibers_unguard_all();
	return status & 0xff;
}
