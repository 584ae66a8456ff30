/*
 * tests/tcp/entropy.c - platform_entropy() for lib/net's TCP on the host
 * (unit tests, fuzzing): the host's getrandom, as the unix target's.
 */
#include <kiln/platform.h>

#include <sys/random.h>

enum platform_result platform_entropy(void *buf, size_t len)
{
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	return getrandom(buf, len, 0) == (ssize_t)len ? PLATFORM_OK
	                                              : PLATFORM_EUNSPEC;
}
