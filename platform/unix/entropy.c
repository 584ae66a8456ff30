/*
 * entropy.c - platform_entropy() on the unix target: the host's
 * getrandom(2).
 */
#include <kiln/platform.h>

#include <errno.h>
#include <sys/random.h>

enum platform_result platform_entropy(void *buf, size_t len)
{
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	size_t got = 0;
	while (got < len) {
		/* 256 bytes or fewer are never cut short once the pool is
		 * initialised; GRND_NONBLOCK so that a host still gathering
		 * entropy at boot does not stall the unikernel. */
		ssize_t n =
		        getrandom((char *)buf + got, len - got, GRND_NONBLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return PLATFORM_EUNSPEC;
		got += (size_t)n;
	}
	return PLATFORM_OK;
}

const char *platform_entropy_source(void)
{
	return "getrandom";
}
