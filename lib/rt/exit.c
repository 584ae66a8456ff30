/*
 * exit.c - exit hooks and kiln_exit.
 */
#include "rt_internal.h"

#define MAX_EXIT_HOOKS 16

static struct {
	void (*fn)(void *arg);
	void *arg;
} exit_hooks[MAX_EXIT_HOOKS];
static unsigned n_exit_hooks;

void kiln_at_exit(void (*fn)(void *arg), void *arg)
{
	if (n_exit_hooks == MAX_EXIT_HOOKS)
		kiln_panic("more than %d exit hooks", MAX_EXIT_HOOKS);
	exit_hooks[n_exit_hooks].fn = fn;
	exit_hooks[n_exit_hooks].arg = arg;
	n_exit_hooks++;
}

/* Last registered first; each hook runs once even if a hook exits. */
void rt_run_exit_hooks(void)
{
	while (n_exit_hooks > 0) {
		n_exit_hooks--;
		exit_hooks[n_exit_hooks].fn(exit_hooks[n_exit_hooks].arg);
	}
}

_Noreturn void kiln_exit(int status)
{
	rt_run_exit_hooks();
	rt_fibers_unguard_all();
	platform_exit(status & 0xff);
}
