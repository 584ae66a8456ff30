/*
 * kiln/rt.h - the runtime every Kiln unikernel links: time, console output,
 * logging, panic/assert, boot arguments, timers, the cooperative scheduler,
 * fibers and wait queues.
 *
 * Execution model (single core, no preemption, no locks):
 * - kiln_main() runs on the first fiber. When it returns, the unikernel
 *   exits with its return value (a server simply never returns).
 * - The loop runs ready fibers, fires expired timers, runs the before-yield
 *   hooks, then sleeps in platform_yield() until the next timer deadline or
 *   device input, and calls the watchers of the devices that are ready.
 * - Timer callbacks, device watchers and hooks run on the loop's own stack,
 *   not on a fiber: they must not block (kiln_waitq_wait and kiln_sleep
 *   panic there). Fibers may block; blocking parks only the calling fiber.
 *
 * The C library subset (string.h, stdlib.h malloc family, snprintf) comes
 * from the host on the unix target and from lib/rt/libc elsewhere; code
 * uses the standard names either way. Console output goes through
 * kiln_printf(), never stdio.
 */
#ifndef KILN_RT_H
#define KILN_RT_H

#include <kiln/platform.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- errors */

/* Error codes are returned negated (-KILN_ETIMEDOUT). */
enum kiln_error {
	KILN_OK = 0,
	KILN_EAGAIN = 1,        /* would block; try later */
	KILN_ETIMEDOUT = 2,     /* the deadline passed */
	KILN_ENOMEM = 3,        /* a bounded resource is exhausted */
	KILN_EINVAL = 4,        /* bad argument */
	KILN_ECONNREFUSED = 5,  /* the peer refused (RST to SYN) */
	KILN_ECONNRESET = 6,    /* the peer reset an open connection */
	KILN_ECLOSED = 7,       /* the object was closed locally */
	KILN_EADDRINUSE = 8,    /* the port is taken */
	KILN_ENOTCONN = 9,      /* not connected (yet, or any more) */
	KILN_EHOSTUNREACH = 10, /* no route, or ARP failed */
	KILN_EMSGSIZE = 11,     /* too large for the medium */
	KILN_EIO = 12,          /* a device failed */
	KILN_ENOENT = 13,       /* no such thing */
	KILN_EPIPE = 14,        /* write after shutdown */
	KILN_ENOSYS = 15,       /* not supported here */
	KILN_EPROTO = 16        /* the peer broke the protocol (TLS) */
};

/* A short English name for an error code (either sign). */
const char *kiln_strerror(int err);

/* ------------------------------------------------------------------ time */

typedef platform_time kiln_time;

#define KILN_NSEC(n) ((kiln_time)(n))
#define KILN_USEC(n) ((kiln_time)(n)*1000)
#define KILN_MSEC(n) ((kiln_time)(n)*1000000)
#define KILN_SEC(n) ((kiln_time)(n)*1000000000)
#define KILN_NEVER PLATFORM_TIME_NEVER

/* Monotonic nanoseconds since boot. */
kiln_time kiln_now(void);
/* Wall-clock nanoseconds since the Unix epoch: the platform's wall clock
 * read at most once a second, the monotonic clock in between (so a step
 * of the host's clock shows within a second). */
kiln_time kiln_wall(void);

/* The target's name as the platform reported it ("unix", "hvt", ...). */
const char *kiln_target(void);

/* ---------------------------------------------------------- console, log */

/* Formatted output to the console (printf conversions of lib/rt/libc). */
int kiln_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kiln_vprintf(const char *fmt, va_list ap);
void kiln_puts(const char *s); /* s and a newline */

enum kiln_log_level {
	KILN_LOG_ERROR = 0,
	KILN_LOG_WARN = 1,
	KILN_LOG_INFO = 2,
	KILN_LOG_DEBUG = 3
};

/* Messages above this level are dropped. Set by --log=LEVEL at boot
 * (error|warn|info|debug); default info. */
extern enum kiln_log_level kiln_log_level;

/* One console line: "[   1.234567] warn net: message". The subsystem is a
 * short word naming the library or app. */
void kiln_log(enum kiln_log_level level, const char *subsystem, const char *fmt,
              ...) __attribute__((format(printf, 3, 4)));

#define kiln_log_enabled(level) ((level) <= kiln_log_level)
#define KILN_ERROR(sub, ...) kiln_log(KILN_LOG_ERROR, sub, __VA_ARGS__)
#define KILN_WARN(sub, ...)                                                    \
	do {                                                                   \
		if (kiln_log_enabled(KILN_LOG_WARN))                           \
			kiln_log(KILN_LOG_WARN, sub, __VA_ARGS__);             \
	} while (0)
#define KILN_INFO(sub, ...)                                                    \
	do {                                                                   \
		if (kiln_log_enabled(KILN_LOG_INFO))                           \
			kiln_log(KILN_LOG_INFO, sub, __VA_ARGS__);             \
	} while (0)
#define KILN_DEBUG(sub, ...)                                                   \
	do {                                                                   \
		if (kiln_log_enabled(KILN_LOG_DEBUG))                          \
			kiln_log(KILN_LOG_DEBUG, sub, __VA_ARGS__);            \
	} while (0)

/* ------------------------------------------------------- panic and exit */

/* Print "panic: FILE:LINE: message" and abort the unikernel. */
_Noreturn void kiln_panic_at(const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
#define kiln_panic(...) kiln_panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* Checked in every build: a failed assertion is a panic naming the
 * expression, file and line. */
#define KILN_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			kiln_panic_at(__FILE__, __LINE__,                      \
			              "assertion failed: %s", #cond);          \
	} while (0)

/* Run fn(arg) when the unikernel exits normally (kiln_exit or kiln_main
 * returning), last registered first. At most 16 hooks. */
void kiln_at_exit(void (*fn)(void *arg), void *arg);

/* Run the exit hooks and end the unikernel with status. */
_Noreturn void kiln_exit(int status);

/* --------------------------------------------------------- boot arguments */

/*
 * Boot arguments are words of the form --name, --name=value or plain
 * words. Libraries and the app claim the options they understand with the
 * calls below; kiln_args_check() then rejects whatever nobody claimed, so
 * that a mistyped option is an error, not silently ignored.
 * Names are given with their dashes: kiln_arg_string("--port").
 */

/* The application's entry point, on the first fiber. argv[0] is the
 * app's name; argv[1..argc-1] are the boot arguments. */
int kiln_main(int argc, char **argv);

/* true if --name was given (without a value); claims it. A flag given
 * with a value (--name=x) is reported by kiln_args_check(). */
bool kiln_arg_flag(const char *name);

/* The value of --name=value (the last one if repeated), or NULL; claims
 * it. */
const char *kiln_arg_string(const char *name);

/* Parse --name=N (decimal, or 0x hex) into *out, which keeps its value
 * when the option is absent. Returns false (after printing
 * "boot argument --name: ...") when present but not a number in [min, max]. */
bool kiln_arg_uint(const char *name, uint64_t min, uint64_t max, uint64_t *out);

/* Claim plain (non-option) words: returns the i-th one (from 0) or NULL. */
const char *kiln_arg_word(unsigned i);

/* Reject unclaimed arguments: prints "unknown boot argument: --x" for each
 * and exits with status 2 if there was any. */
void kiln_args_check(void);

/* ----------------------------------------------------------------- timers */

/* A one-shot callback timer. The struct lives in the caller's memory. */
struct kiln_timer {
	kiln_time deadline;
	void (*fn)(struct kiln_timer *t, void *arg);
	void *arg;
	uint64_t seq;   /* arming order: equal deadlines fire FIFO */
	unsigned index; /* position in the scheduler's heap; 0 = not armed */
};

void kiln_timer_init(struct kiln_timer *t,
                     void (*fn)(struct kiln_timer *t, void *arg), void *arg);
/* Arm (or re-arm, moving it) to fire once at deadline. */
void kiln_timer_arm(struct kiln_timer *t, kiln_time deadline);
/* Disarm; harmless if not armed. */
void kiln_timer_cancel(struct kiln_timer *t);
bool kiln_timer_armed(const struct kiln_timer *t);

/* ----------------------------------------------------------------- fibers */

struct kiln_fiber;

/* Default stack size (64 KiB). Stacks come from the heap with a guard
 * page below them where the target supports one. */
#define KILN_FIBER_STACK_DEFAULT ((size_t)64 * 1024)

/* Start fn(arg) on a new fiber; it runs when the caller next blocks or
 * yields. stack_size 0 means the default. NULL if memory is short. */
struct kiln_fiber *kiln_fiber_spawn(const char *name, void (*fn)(void *arg),
                                    void *arg, size_t stack_size);

/* Let every other ready fiber run once, then continue. */
void kiln_fiber_yield(void);

/* Park the calling fiber until the monotonic clock reaches deadline. */
void kiln_sleep_until(kiln_time deadline);
void kiln_sleep(kiln_time duration);

/* Wait until f has returned, then free it. Each fiber is joined at most
 * once; a fiber never joined is freed when it returns, unless
 * kiln_fiber_keep() was called on it. */
void kiln_fiber_join(struct kiln_fiber *f);
void kiln_fiber_keep(struct kiln_fiber *f);

/* The running fiber, or NULL on the loop's stack (callbacks). */
struct kiln_fiber *kiln_fiber_self(void);
const char *kiln_fiber_name(const struct kiln_fiber *f);

/* ------------------------------------------------------------ wait queues */

/* Fibers park on a wait queue until woken. Waking is allowed anywhere,
 * including callbacks; waiting only on a fiber. */
struct kiln_waitq {
	struct kiln_fiber *head, *tail;
};

void kiln_waitq_init(struct kiln_waitq *q);
/* Park until woken (returns 0) or until deadline (returns
 * -KILN_ETIMEDOUT). KILN_NEVER waits for a wake only. */
int kiln_waitq_wait(struct kiln_waitq *q, kiln_time deadline);
/* Make the longest-waiting fiber (or all of them) ready. Returns how many
 * were woken. */
unsigned kiln_waitq_wake_one(struct kiln_waitq *q);
unsigned kiln_waitq_wake_all(struct kiln_waitq *q);

/* --------------------------------------------------- devices in the loop */

/* Call fn(arg) on the loop's stack each time platform_yield() reports
 * device h ready. One watcher per device; NULL fn removes it. */
void kiln_device_watch(platform_handle h, void (*fn)(void *arg), void *arg);

/* Call fn(arg) once per loop turn, after fibers and timers ran and just
 * before the loop sleeps (e.g. to send a batch of queued frames). */
struct kiln_hook {
	void (*fn)(void *arg);
	void *arg;
	struct kiln_hook *next;
};
void kiln_before_yield(struct kiln_hook *hook, void (*fn)(void *arg),
                       void *arg);

/* --------------------------------------------------------------- memory */

struct kiln_mem_stats {
	size_t heap_size;    /* bytes in the heap region */
	size_t in_use;       /* bytes allocated now (payload) */
	size_t peak;         /* most bytes ever allocated at once */
	size_t free_bytes;   /* bytes free */
	size_t largest_free; /* largest single free block */
	uint64_t allocs, frees, failures;
};
/* Statistics of the heap (on unix, of the host allocator as far as it
 * tells). */
void kiln_mem_stats(struct kiln_mem_stats *st);

/* ---------------------------------------------------------------- random */

/*
 * The image's one CSPRNG (ChaCha20, fast key erasure), seeded on first use
 * from platform_entropy() plus the clocks and re-keyed from it every MiB.
 * TLS, TCP ISNs and secrets, DHCP xids and IP ids all draw from it.
 */
void kiln_random(void *out, size_t len);
uint32_t kiln_random32(void);
uint64_t kiln_random64(void);
/* True when the seed came from the target's entropy source; false when it
 * had none and only the clocks seeded the generator (predictable). */
bool kiln_random_strong(void);
/* What platform_entropy() answered when the generator was seeded. */
enum platform_result kiln_random_source(void);
/* For users that must not run on a weak seed (TLS): unless
 * kiln_random_strong(), print "WHO: no entropy source on this TARGET ..."
 * and exit with status 1. */
void kiln_random_require(const char *who);
/* RFC 8439's ChaCha20 block function (exposed for its known-answer test). */
void kiln_chacha20_block(const uint32_t key[8], uint32_t counter,
                         const uint32_t nonce[3], uint8_t out[64]);

/* Loop statistics, for benchmarks and the counters apps print. */
struct kiln_loop_stats {
	uint64_t turns;    /* loop iterations */
	uint64_t yields;   /* calls to platform_yield */
	uint64_t switches; /* fiber context switches */
	uint64_t timers_fired;
};
void kiln_loop_stats(struct kiln_loop_stats *st);

#endif /* KILN_RT_H */
