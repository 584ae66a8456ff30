/*
 * hello - greets, echoes its boot arguments, shows the clocks, then lets
 * two fibers take turns printing, 70 ms apart, while the main fiber sleeps
 * 3 x 100 ms on timers: their lines interleave with its "slept" lines.
 *
 * Boot arguments: plain words (echoed), --fail (exit with status 3).
 * Anything else is rejected with status 2.
 */
#include <kiln/rt.h>

#define ROUNDS 3
#define FIBER_PERIOD KILN_MSEC(70)

static void counter(void *arg)
{
	const char *name = arg;
	for (int i = 1; i <= ROUNDS; i++) {
		kiln_printf("fiber %s: %d\n", name, i);
		if (i < ROUNDS)
			kiln_sleep(FIBER_PERIOD);
	}
}

int kiln_main(int argc, char **argv)
{
	bool fail = kiln_arg_flag("--fail");
	for (unsigned i = 0; kiln_arg_word(i) != NULL; i++)
		;
	kiln_args_check();

	kiln_puts("Hello from Kiln!");
	kiln_printf("target: %s\n", kiln_target());
	for (int i = 1; i < argc; i++)
		kiln_printf("arg: %s\n", argv[i]);

	kiln_time mono = kiln_now(), wall = kiln_wall();
	kiln_printf("monotonic: %lld.%09lld s\n",
	            (long long)(mono / KILN_SEC(1)),
	            (long long)(mono % KILN_SEC(1)));
	kiln_printf("wall: %lld.%09lld s since 1970\n",
	            (long long)(wall / KILN_SEC(1)),
	            (long long)(wall % KILN_SEC(1)));

	struct kiln_fiber *a = kiln_fiber_spawn("A", counter, "A", 0);
	struct kiln_fiber *b = kiln_fiber_spawn("B", counter, "B", 0);
	if (a == NULL || b == NULL) {
		kiln_puts("out of memory for fibers");
		return 1;
	}
	kiln_fiber_keep(a);
	kiln_fiber_keep(b);
	for (int i = 1; i <= ROUNDS; i++) {
		kiln_time t0 = kiln_now();
		kiln_sleep(KILN_MSEC(100));
		kiln_printf("slept %d: %lld ms\n", i,
		            (long long)((kiln_now() - t0) / KILN_MSEC(1)));
	}
	kiln_fiber_join(a);
	kiln_fiber_join(b);

	if (fail) {
		kiln_puts("failing as asked (--fail)");
		return 3;
	}
	kiln_puts("goodbye");
	return 0;
}
