/* hvthello: print a greeting and the boot arguments; exit with --status. */
#include <kiln/rt.h>

int kiln_main(int argc, char **argv)
{
	uint64_t status = 0;
	bool quiet = kiln_arg_flag("--quiet");
	if (!kiln_arg_uint("--status", 0, 255, &status))
		return 2;
	for (unsigned i = 0; kiln_arg_word(i); i++)
		;
	kiln_args_check();
	if (!quiet) {
		kiln_printf("hello from %s\n", argv[0]);
		for (int i = 1; i < argc; i++)
			kiln_printf("arg %d: %s\n", i, argv[i]);
	}
	return (int)status;
}
