/*
 * fake_platform.c - a stand-in platform for lib/rt's unit tests.
 *
 * Time is virtual by default: the monotonic clock only moves when the loop
 * yields, and then jumps straight to the deadline, so timer and deadline
 * tests are exact and instant. FAKE_REAL_TIME=1 in the environment uses
 * the real clock and really sleeps instead.
 *
 * fake_device_ready_at(h, t) makes device h report input at time t, for
 * testing device watchers.
 */
#include <kiln/platform.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fake_platform.h"

static bool real_time;
static platform_time virtual_now;
static struct timespec t0;

static platform_time device_at[PLATFORM_MAX_DEVICES];

void fake_device_ready_at(platform_handle h, platform_time t)
{
	device_at[h] = t;
}

static platform_time real_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (platform_time)(ts.tv_sec - t0.tv_sec) * 1000000000 +
	       (ts.tv_nsec - t0.tv_nsec);
}

platform_time platform_clock_monotonic(void)
{
	return real_time ? real_monotonic() : virtual_now;
}

platform_time platform_clock_wall(void)
{
	return (platform_time)1700000000 * 1000000000 +
	       platform_clock_monotonic();
}

void platform_console_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(1, buf, len);
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

platform_device_set platform_yield(platform_time deadline)
{
	/* The earliest pending fake device event comes first. */
	for (unsigned h = 0; h < PLATFORM_MAX_DEVICES; h++)
		if (device_at[h] > 0 && device_at[h] < deadline)
			deadline = device_at[h];
	if (deadline == PLATFORM_TIME_NEVER) {
		platform_abort("fake platform: yield with no deadline and no "
		               "device");
	}
	platform_time now = platform_clock_monotonic();
	if (deadline > now) {
		if (real_time) {
			platform_time d = deadline - now;
			struct timespec ts = {d / 1000000000, d % 1000000000};
			nanosleep(&ts, NULL);
		} else {
			virtual_now = deadline;
		}
	}
	now = platform_clock_monotonic();
	platform_device_set set = 0;
	for (unsigned h = 0; h < PLATFORM_MAX_DEVICES; h++) {
		if (device_at[h] > 0 && device_at[h] <= now) {
			device_at[h] = 0;
			set |= (platform_device_set)1 << h;
		}
	}
	return set;
}

enum platform_result platform_net_acquire(const char *name, platform_handle *h,
                                          struct platform_net_info *info)
{
	return PLATFORM_ENOENT;
}

enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	return PLATFORM_EINVAL;
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	return PLATFORM_EINVAL;
}

enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len)
{
	return PLATFORM_EINVAL;
}

int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned n)
{
	return -PLATFORM_EINVAL;
}

int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames, unsigned n)
{
	return -PLATFORM_EINVAL;
}

enum platform_result platform_block_acquire(const char *name,
                                            platform_handle *h,
                                            struct platform_block_info *info)
{
	return PLATFORM_ENOENT;
}

enum platform_result platform_block_read(platform_handle h, uint64_t offset,
                                         void *buf, size_t size)
{
	return PLATFORM_EINVAL;
}

enum platform_result platform_block_write(platform_handle h, uint64_t offset,
                                          const void *buf, size_t size)
{
	return PLATFORM_EINVAL;
}

enum platform_result platform_block_flush(platform_handle h)
{
	return PLATFORM_EINVAL;
}

enum platform_result platform_guard_page(void *page, bool guard)
{
	if (mprotect(page, 4096, guard ? PROT_NONE : PROT_READ | PROT_WRITE))
		return PLATFORM_EUNSPEC;
	return PLATFORM_OK;
}

_Noreturn void platform_exit(int status)
{
	exit(status);
}

_Noreturn void platform_abort(const char *why)
{
	fprintf(stdout, "kiln: abort: %s\n", why);
	fflush(stdout);
	exit(255);
}

/* Boot arguments are the process's arguments, joined with spaces. */
int main(int argc, char **argv)
{
	static char cmdline[4096];
	size_t used = 0;
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (used + n + 2 > sizeof(cmdline))
			break;
		if (used)
			cmdline[used++] = ' ';
		memcpy(cmdline + used, argv[i], n);
		used += n;
	}
	const char *rt = getenv("FAKE_REAL_TIME");
	real_time = rt && rt[0] == '1';
	clock_gettime(CLOCK_MONOTONIC, &t0);

	size_t heap_size = 1 << 20;
	void *heap = mmap(NULL, heap_size, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct platform_start_info info = {cmdline, heap, heap_size, "fake"};
	platform_exit(kiln_start(&info));
}

/* The host's getrandom; FAKE_ENTROPY=none plays a target without a
 * source, FAKE_ENTROPY=fail one whose source keeps failing. */
enum platform_result platform_entropy(void *buf, size_t len)
{
	const char *e = getenv("FAKE_ENTROPY");
	if (len > PLATFORM_ENTROPY_MAX)
		return PLATFORM_EINVAL;
	if (e && !strcmp(e, "none"))
		return PLATFORM_EUNSUPPORTED;
	if (e && !strcmp(e, "fail"))
		return PLATFORM_EUNSPEC;
	return getrandom(buf, len, 0) == (ssize_t)len ? PLATFORM_OK
	                                              : PLATFORM_EUNSPEC;
}
