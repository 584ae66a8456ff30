/*
 * hvthello: print a greeting and the boot arguments and exit with the
 * status given by --status=N. --sleep-ms=N sleeps first (through the
 * platform's yield) and reports how long that took by the guest's clock;
 * --quiet prints nothing.
 */
#include <kiln/rt.h>

int kiln_main(int argc, char **argv)
{
	uint64_t status = 0, sleep_ms = 0;
	bool quiet = kiln_arg_flag("--quiet");
	if (!kiln_arg_uint("--status", 0, 255, &status) ||
	    !kiln_arg_uint("--sleep-ms", 0, 60000, &sleep_ms))
		return 2;
	for (unsigned i = 0; kiln_arg_word(i); i++)
		;
	kiln_args_check();
	if (sleep_ms) {
		kiln_time t0 = kiln_now();
		kiln_sleep(KILN_MSEC(sleep_ms));
		kiln_printf("slept %lld ms\n",
		            (long long)((kiln_now() - t0) / 1000000));
	}
	if (!quiet) {
		kiln_printf("hello from %s\n", argv[0]);
		for (int i = 1; i < argc; i++)
			kiln_printf("arg %d: %s\n", i, argv[i]);
	}
	return (int)status;
}
