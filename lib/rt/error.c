/*
 * error.c - names of the error codes, and the clocks.
 */
#include "rt_internal.h"

static const char *const error_names[] = {
        [KILN_OK] = "success",
        [KILN_EAGAIN] = "try again",
        [KILN_ETIMEDOUT] = "timed out",
        [KILN_ENOMEM] = "out of memory",
        [KILN_EINVAL] = "invalid argument",
        [KILN_ECONNREFUSED] = "connection refused",
        [KILN_ECONNRESET] = "connection reset",
        [KILN_ECLOSED] = "closed",
        [KILN_EADDRINUSE] = "address in use",
        [KILN_ENOTCONN] = "not connected",
        [KILN_EHOSTUNREACH] = "host unreachable",
        [KILN_EMSGSIZE] = "message too long",
        [KILN_EIO] = "input/output error",
        [KILN_ENOENT] = "no such entry",
        [KILN_EPIPE] = "broken pipe",
        [KILN_ENOSYS] = "not supported",
        [KILN_EPROTO] = "protocol error",
};

const char *kiln_strerror(int err)
{
	/* Either sign; careful with INT_MIN. */
	unsigned e = err < 0 ? 0u - (unsigned)err : (unsigned)err;
	if (e < sizeof(error_names) / sizeof(error_names[0]) && error_names[e])
		return error_names[e];
	return "unknown error";
}

kiln_time kiln_now(void)
{
	return platform_clock_monotonic();
}

kiln_time kiln_wall(void)
{
	return platform_clock_wall();
}
