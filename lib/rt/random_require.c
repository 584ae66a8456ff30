/*
 * random_require.c - kiln_random_require(): what TLS calls at start-up so
 * that an image never serves TLS keyed from the clocks alone. Apart from
 * random.c so that the generator links without the console.
 */
#include <kiln/platform.h>
#include <kiln/rt.h>

void kiln_random_require(const char *who)
{
	if (kiln_random_strong())
		return;
	kiln_printf("%s: no entropy source on this %s (platform_entropy: %s): "
	            "refusing to start without one\n",
	            who, kiln_target(),
	            kiln_random_source() == PLATFORM_EUNSUPPORTED
	                    ? "not supported"
	                    : "the source failed");
	kiln_exit(1);
}
