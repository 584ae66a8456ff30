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

/*
 * Reading the wall clock is a call into the host on hvt (a VM exit) and
 * costly on other targets too, and servers read it for every response's
 * Date field: derive it from the monotonic clock, re-read once a second.
 */
kiln_time kiln_wall(void)
{
	static kiln_time mono_base = -1, wall_base;
	kiln_time now = platform_clock_monotonic();
	if (mono_base < 0 || now - mono_base >= KILN_SEC(1)) {
		mono_base = now;
		wall_base = platform_clock_wall();
	}
	return wall_base + (now - mono_base);
}
