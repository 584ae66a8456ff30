/*
 * rt_test.c - unit tests of lib/rt, run on tests/rt/fake_platform.c (or on
 * platform/unix). The first boot word names the test; each test prints
 * "ok NAME" or "not ok NAME: why" lines, and test-rt.sh checks them.
 */
#include <kiln/rt.h>

#include <stdlib.h>
#include <string.h>

#include "fake_platform.h"

static int failures;

#define CHECK(name, cond, ...)                                                 \
	do {                                                                   \
		if (cond) {                                                    \
			kiln_printf("ok %s\n", name);                          \
		} else {                                                       \
			failures++;                                            \
			kiln_printf("not ok %s: ", name);                      \
			kiln_printf(__VA_ARGS__);                              \
			kiln_printf("\n");                                     \
		}                                                              \
	} while (0)

/* A trace of events, compared against the expected order. */
static char trace[1024];

static void note(const char *s)
{
	if (trace[0])
		strncat(trace, " ", sizeof(trace) - strlen(trace) - 1);
	strncat(trace, s, sizeof(trace) - strlen(trace) - 1);
}

/* ---------------------------------------------------------------- timers */

struct tt {
	struct kiln_timer t;
	const char *name;
	kiln_time fired_at;
};

static void tt_fire(struct kiln_timer *t, void *arg)
{
	struct tt *x = arg;
	x->fired_at = kiln_now();
	note(x->name);
}

enum { N_MANY = 2000 };
static int many_order[N_MANY];
static int many_fired;

/* arg is the array of timers: the timer's address tells which fired. */
static void fire_many(struct kiln_timer *t, void *arg)
{
	many_order[many_fired++] = (int)(t - (struct kiln_timer *)arg);
}

static void test_timers(void)
{
	kiln_time base = kiln_now();
	static struct tt ts[] = {{.name = "t30"},       {.name = "t10a"},
	                         {.name = "t20"},       {.name = "t10b"},
	                         {.name = "t10c"},      {.name = "t5"},
	                         {.name = "cancelled"}, {.name = "moved"}};
	kiln_time at[] = {30, 10, 20, 10, 10, 5, 15, 1};
	for (unsigned i = 0; i < 8; i++) {
		kiln_timer_init(&ts[i].t, tt_fire, &ts[i]);
		kiln_timer_arm(&ts[i].t, base + KILN_MSEC(at[i]));
	}
	CHECK("timer-armed", kiln_timer_armed(&ts[6].t), "not armed");
	kiln_timer_cancel(&ts[6].t);
	kiln_timer_cancel(&ts[6].t); /* harmless twice */
	CHECK("timer-cancel", !kiln_timer_armed(&ts[6].t), "still armed");
	/* Re-arming moves it: from 1 ms to 25 ms. */
	kiln_timer_arm(&ts[7].t, base + KILN_MSEC(25));
	trace[0] = '\0';
	kiln_sleep_until(base + KILN_MSEC(40));
	CHECK("timer-order",
	      strcmp(trace, "t5 t10a t10b t10c t20 moved t30") == 0,
	      "fired in order '%s'", trace);
	bool exact = true;
	for (unsigned i = 0; i < 8; i++) {
		kiln_time want = base + KILN_MSEC(i == 7 ? 25 : at[i]);
		if (i != 6 && ts[i].fired_at < want)
			exact = false;
	}
	CHECK("timer-not-early", exact, "a timer fired before its deadline");

	/* Many timers with colliding deadlines, armed in a scrambled order:
	 * they must come out sorted by deadline, FIFO among equals. */
	static struct kiln_timer many[N_MANY];
	static kiln_time deadline_of[N_MANY];
	many_fired = 0;
	base = kiln_now();
	unsigned seed = 12345;
	for (int i = 0; i < N_MANY; i++) {
		seed = seed * 1103515245 + 12345;
		deadline_of[i] = base + KILN_MSEC(1 + (seed >> 16) % 50);
		kiln_timer_init(&many[i], fire_many, many);
		kiln_timer_arm(&many[i], deadline_of[i]);
	}
	/* Cancel every seventh and re-arm every eleventh (which moves it to
	 * the end of its deadline's FIFO). */
	for (int i = 0; i < N_MANY; i += 7)
		kiln_timer_cancel(&many[i]);
	for (int i = 0; i < N_MANY; i += 11)
		if (i % 7)
			kiln_timer_arm(&many[i], deadline_of[i]);
	kiln_sleep_until(base + KILN_MSEC(60));
	bool sorted = true;
	int expected = 0;
	for (int i = 0; i < N_MANY; i++)
		if (i % 7)
			expected++;
	for (int k = 1; k < many_fired; k++) {
		int a = many_order[k - 1], b = many_order[k];
		if (deadline_of[a] > deadline_of[b])
			sorted = false;
		if (deadline_of[a] == deadline_of[b] &&
		    many[a].seq > many[b].seq)
			sorted = false;
	}
	CHECK("timer-heap-order", sorted && many_fired == expected,
	      "fired %d of %d, sorted %d", many_fired, expected, sorted);
}

/* A timer that re-arms itself for "now" fires once per loop turn: the
 * loop neither spins inside one turn nor starves the fibers. */
static int rearm_count;
static uint64_t rearm_turns[5];

static void rearm_now(struct kiln_timer *t, void *arg)
{
	struct kiln_loop_stats st;
	kiln_loop_stats(&st);
	rearm_turns[rearm_count++] = st.turns;
	if (rearm_count < 5)
		kiln_timer_arm(t, kiln_now());
}

/* A periodic timer, 10 ms apart, counted by a fiber that sleeps. */
static int ticks;
static void tick(struct kiln_timer *t, void *arg)
{
	if (++ticks < 10)
		kiln_timer_arm(t, t->deadline + KILN_MSEC(10));
}

static void test_timer_rearm(void)
{
	static struct kiln_timer t, p;
	kiln_timer_init(&t, rearm_now, NULL);
	kiln_timer_arm(&t, kiln_now());
	kiln_sleep(KILN_MSEC(1));
	bool distinct = rearm_count == 5;
	for (int i = 1; i < rearm_count; i++)
		if (rearm_turns[i] <= rearm_turns[i - 1])
			distinct = false;
	CHECK("timer-rearm-now", distinct, "fired %d times, turns %llu %llu",
	      rearm_count, (unsigned long long)rearm_turns[0],
	      (unsigned long long)rearm_turns[1]);

	kiln_time t0 = kiln_now();
	kiln_timer_init(&p, tick, NULL);
	kiln_timer_arm(&p, t0 + KILN_MSEC(10));
	kiln_sleep(KILN_MSEC(55));
	CHECK("timer-periodic-partial", ticks == 5, "ticks %d at 55 ms", ticks);
	kiln_sleep(KILN_MSEC(100));
	CHECK("timer-periodic", ticks == 10 && !kiln_timer_armed(&p),
	      "ticks %d", ticks);
}

/* ---------------------------------------------------------------- fibers */

static void interleaver(void *arg)
{
	const char *who = arg;
	for (int i = 1; i <= 3; i++) {
		char s[8] = {who[0], (char)('0' + i), 0};
		note(s);
		kiln_fiber_yield();
	}
}

static void test_fibers(void)
{
	trace[0] = '\0';
	struct kiln_fiber *a = kiln_fiber_spawn("A", interleaver, "A", 0);
	struct kiln_fiber *b = kiln_fiber_spawn("B", interleaver, "B", 0);
	CHECK("fiber-spawn", a && b, "spawn failed");
	/* b may end before it is joined: keep it until then. */
	kiln_fiber_keep(b);
	CHECK("fiber-name", strcmp(kiln_fiber_name(a), "A") == 0, "name %s",
	      kiln_fiber_name(a));
	kiln_fiber_join(a);
	kiln_fiber_join(b);
	CHECK("fiber-interleave", strcmp(trace, "A1 B1 A2 B2 A3 B3") == 0,
	      "trace '%s'", trace);
	CHECK("fiber-self",
	      kiln_fiber_self() != NULL &&
	              strcmp(kiln_fiber_name(kiln_fiber_self()), "main") == 0,
	      "self is not main");
}

/* ------------------------------------------------------------ wait queues */

static struct kiln_waitq q;

static void waiter(void *arg)
{
	const char *name = arg;
	int r = kiln_waitq_wait(&q, KILN_NEVER);
	char s[32];
	strcpy(s, name);
	strcat(s, r == 0 ? ":woken" : ":error");
	note(s);
}

struct timed {
	kiln_time deadline;
	int result;
	kiln_time returned_at;
};

static void timed_waiter(void *arg)
{
	struct timed *t = arg;
	t->result = kiln_waitq_wait(&q, t->deadline);
	t->returned_at = kiln_now();
}

static void test_waitq(void)
{
	kiln_waitq_init(&q);
	trace[0] = '\0';
	CHECK("waitq-wake-empty", kiln_waitq_wake_one(&q) == 0, "woke someone");
	struct kiln_fiber *f[3];
	f[0] = kiln_fiber_spawn("w1", waiter, "w1", 0);
	f[1] = kiln_fiber_spawn("w2", waiter, "w2", 0);
	f[2] = kiln_fiber_spawn("w3", waiter, "w3", 0);
	for (int i = 0; i < 3; i++)
		kiln_fiber_keep(f[i]);
	kiln_fiber_yield(); /* let them park */
	note("main");
	unsigned one = kiln_waitq_wake_one(&q);
	kiln_fiber_yield();
	unsigned rest = kiln_waitq_wake_all(&q);
	for (int i = 0; i < 3; i++)
		kiln_fiber_join(f[i]);
	CHECK("waitq-fifo",
	      one == 1 && rest == 2 &&
	              strcmp(trace, "main w1:woken w2:woken w3:woken") == 0,
	      "one=%u rest=%u trace '%s'", one, rest, trace);

	/* A wait with a deadline times out exactly then (not earlier). */
	struct timed t1 = {kiln_now() + KILN_MSEC(50), 99, 0};
	struct kiln_fiber *w = kiln_fiber_spawn("timed", timed_waiter, &t1, 0);
	kiln_fiber_keep(w);
	kiln_fiber_join(w);
	CHECK("waitq-timeout",
	      t1.result == -KILN_ETIMEDOUT && t1.returned_at >= t1.deadline,
	      "result %d at %lld (deadline %lld)", t1.result,
	      (long long)t1.returned_at, (long long)t1.deadline);

	/* Woken before the deadline: returns 0 and the deadline no longer
	 * matters. */
	struct timed t2 = {kiln_now() + KILN_MSEC(50), 99, 0};
	w = kiln_fiber_spawn("timed2", timed_waiter, &t2, 0);
	kiln_fiber_keep(w);
	kiln_sleep(KILN_MSEC(10));
	kiln_waitq_wake_one(&q);
	kiln_fiber_join(w);
	CHECK("waitq-woken-before-deadline",
	      t2.result == 0 && t2.returned_at < t2.deadline, "result %d",
	      t2.result);
	CHECK("waitq-past-deadline",
	      kiln_waitq_wait(&q, kiln_now() - 1) == -KILN_ETIMEDOUT,
	      "did not time out");
	CHECK("waitq-empty-after", q.head == NULL && q.tail == NULL,
	      "queue not empty");
}

/* ------------------------------------------------------------------ join */

static void sleeper(void *arg)
{
	kiln_sleep(KILN_MSEC(10));
	*(int *)arg = 1;
}

static void quick(void *arg)
{
	*(int *)arg = 2;
}

static void test_join(void)
{
	int flag = 0;
	struct kiln_fiber *f = kiln_fiber_spawn("sleeper", sleeper, &flag, 0);
	kiln_fiber_join(f);
	CHECK("join-waits", flag == 1, "flag %d", flag);

	/* Joining a kept fiber that already finished. */
	f = kiln_fiber_spawn("quick", quick, &flag, 0);
	kiln_fiber_keep(f);
	kiln_sleep(KILN_MSEC(1));
	CHECK("join-finished-flag", flag == 2, "flag %d", flag);
	kiln_fiber_join(f);
	CHECK("join-finished", true, "unreachable");

	/* Fibers never joined are freed by themselves (ASan's leak check
	 * would catch it otherwise). */
	for (int i = 0; i < 100; i++)
		kiln_fiber_spawn("detached", quick, &flag, 8192);
	kiln_sleep(KILN_MSEC(1));
	CHECK("detached-fibers", true, "unreachable");
}

/* ----------------------------------------------------------------- sleep */

static void test_sleep(void)
{
	/* Run 10 sleeps of 20 ms: each must last at least that, and not
	 * much longer (the bound is generous for a loaded machine). */
	kiln_time worst = 0;
	bool early = false;
	for (int i = 0; i < 10; i++) {
		kiln_time t0 = kiln_now();
		kiln_sleep(KILN_MSEC(20));
		kiln_time d = kiln_now() - t0;
		if (d < KILN_MSEC(20))
			early = true;
		if (d - KILN_MSEC(20) > worst)
			worst = d - KILN_MSEC(20);
	}
	kiln_printf("sleep: worst lateness %lld us\n",
	            (long long)(worst / 1000));
	CHECK("sleep-accuracy", !early && worst < KILN_MSEC(15),
	      "early %d, worst lateness %lld us", early,
	      (long long)(worst / 1000));
}

/* ------------------------------------------------------------------ args */

static void test_args(int argc, char **argv)
{
	CHECK("args-argv",
	      argc == 7 && strcmp(argv[1], "args") == 0 &&
	              strcmp(argv[6], "--name=x") == 0,
	      "argc %d", argc);
	CHECK("args-flag", kiln_arg_flag("--alpha") && !kiln_arg_flag("--al"),
	      "flag");
	const char *v = kiln_arg_string("--name");
	CHECK("args-string", v && strcmp(v, "x") == 0, "got %s", v);
	CHECK("args-string-absent", kiln_arg_string("--nothere") == NULL,
	      "present");
	uint64_t beta = 1, gamma = 1, absent = 42;
	CHECK("args-uint", kiln_arg_uint("--beta", 0, 10, &beta) && beta == 7,
	      "beta %llu", (unsigned long long)beta);
	CHECK("args-uint-hex",
	      kiln_arg_uint("--gamma", 0, 100, &gamma) && gamma == 16,
	      "gamma %llu", (unsigned long long)gamma);
	CHECK("args-uint-absent",
	      kiln_arg_uint("--absent", 0, 100, &absent) && absent == 42,
	      "absent");
	CHECK("args-uint-range", !kiln_arg_uint("--gamma", 0, 15, &gamma),
	      "16 accepted in [0, 15]");
	CHECK("args-word",
	      kiln_arg_word(0) && !strcmp(kiln_arg_word(0), "args") &&
	              kiln_arg_word(1) && !strcmp(kiln_arg_word(1), "word1") &&
	              kiln_arg_word(2) == NULL,
	      "words");
	kiln_args_check(); /* everything was claimed: returns */
	CHECK("args-check-clean", true, "unreachable");
}

static void test_args_reject(void)
{
	kiln_arg_word(0);
	kiln_arg_flag("--flag");
	kiln_arg_string("--str");
	kiln_args_check();
	kiln_printf("args_check returned\n");
}

/* ---------------------------------------------------- loop and failures */

static void stuck(void *arg)
{
	kiln_waitq_wait(&q, KILN_NEVER);
}

static void test_deadlock(void)
{
	kiln_waitq_init(&q);
	kiln_fiber_spawn("stuck", stuck, NULL, 0);
	kiln_waitq_wait(&q, KILN_NEVER);
	kiln_printf("deadlock not detected\n");
}

/* Each blocking call, made from a timer callback (the loop's stack). */
static void block_in_callback(struct kiln_timer *t, void *arg)
{
	const char *which = arg;
	if (!strcmp(which, "wait"))
		kiln_waitq_wait(&q, KILN_NEVER);
	else if (!strcmp(which, "join"))
		kiln_fiber_join(kiln_fiber_spawn("x", stuck, NULL, 0));
	else if (!strcmp(which, "yield"))
		kiln_fiber_yield();
	else
		kiln_sleep(1);
}

static void test_block_in_callback(const char *which)
{
	static struct kiln_timer t;
	kiln_timer_init(&t, block_in_callback, (void *)which);
	kiln_timer_arm(&t, kiln_now());
	kiln_sleep(KILN_MSEC(5));
	kiln_printf("callback blocked without a panic\n");
}

static void forever(void *arg)
{
	for (;;)
		kiln_sleep(KILN_MSEC(1));
}

static void hook_print(void *arg)
{
	kiln_printf("exit hook %s\n", (const char *)arg);
}

/* kiln_main returns while another fiber still runs: the image exits with
 * kiln_main's status, after the exit hooks (last first). */
static int test_main_returns(void)
{
	kiln_fiber_spawn("forever", forever, NULL, 0);
	kiln_at_exit(hook_print, "1");
	kiln_at_exit(hook_print, "2");
	kiln_sleep(KILN_MSEC(3));
	return 5;
}

static int recurse(int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	return n == 0 ? 0 : recurse(n - 1) + pad[0];
}

static void overflow(void *arg)
{
	kiln_printf("result %d\n", recurse(100000));
}

static void test_stack_overflow(void)
{
	struct kiln_fiber *f = kiln_fiber_spawn("deep", overflow, NULL, 0);
	kiln_fiber_join(f);
	kiln_printf("stack overflow went unnoticed\n");
}

static int watcher_calls;
static int hook_calls;

static void on_device(void *arg)
{
	watcher_calls++;
	kiln_waitq_wake_one(&q);
}

static void before_yield(void *arg)
{
	hook_calls++;
}

static void test_loop(void)
{
	kiln_waitq_init(&q);
	static struct kiln_hook hook;
	kiln_before_yield(&hook, before_yield, NULL);
	kiln_device_watch(3, on_device, NULL);
	fake_device_ready_at(3, kiln_now() + KILN_MSEC(7));
	int r = kiln_waitq_wait(&q, kiln_now() + KILN_SEC(1));
	CHECK("device-watcher", r == 0 && watcher_calls == 1, "r %d calls %d",
	      r, watcher_calls);
	CHECK("before-yield-hook", hook_calls > 0, "never ran");
	kiln_device_watch(3, NULL, NULL);

	kiln_sleep(KILN_MSEC(1));
	struct kiln_loop_stats st;
	kiln_loop_stats(&st);
	CHECK("loop-stats",
	      st.turns > 0 && st.yields > 0 && st.switches > 0 &&
	              st.timers_fired > 0,
	      "turns %llu", (unsigned long long)st.turns);
}

static void test_misc(void)
{
	CHECK("strerror",
	      !strcmp(kiln_strerror(-KILN_ETIMEDOUT), "timed out") &&
	              !strcmp(kiln_strerror(KILN_ETIMEDOUT), "timed out") &&
	              !strcmp(kiln_strerror(-9999), "unknown error"),
	      "%s", kiln_strerror(-KILN_ETIMEDOUT));
	kiln_sleep_until(KILN_MSEC(1500) + KILN_USEC(42));
	kiln_log(KILN_LOG_WARN, "test", "value %d", 42);
	KILN_DEBUG("test", "hidden at the default level");
	static char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	kiln_printf("long:%s:end\n", big);
	kiln_puts("puts line");
	struct kiln_mem_stats ms;
	kiln_mem_stats(&ms);
	CHECK("mem-stats", ms.heap_size > 0, "heap_size 0");
	CHECK("target",
	      strcmp(kiln_target(), "fake") == 0 ||
	              strcmp(kiln_target(), "unix") == 0,
	      "target %s", kiln_target());
}

static void test_assert(void)
{
	int x = 1;
	KILN_ASSERT(x == 2);
}

/* The CSPRNG: ChaCha20's block against RFC 8439 2.3.2, then the
 * generator seeded from the (host's) source: strong, never repeating,
 * bytes evenly spread over 2 MiB (past a re-key). */
static void test_random(void)
{
	static const uint8_t want[64] = {
	        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f,
	        0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7,
	        0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4,
	        0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09,
	        0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12,
	        0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8,
	        0xa2, 0x50, 0x3c, 0x4e};
	uint32_t key[8];
	for (uint32_t i = 0; i < 8; i++)
		key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 |
		         (4 * i + 3) << 24;
	const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0};
	uint8_t block[64];
	kiln_chacha20_block(key, 1, nonce, block);
	CHECK("chacha20 RFC 8439 block", !memcmp(block, want, 64),
	      "first word %02x%02x%02x%02x", block[0], block[1], block[2],
	      block[3]);

	CHECK("random seeded from the source", kiln_random_strong(),
	      "source answered %d", kiln_random_source());
	uint8_t a[64], b[64], z[64] = {0};
	kiln_random(a, sizeof(a));
	kiln_random(b, sizeof(b));
	CHECK("random draws differ", memcmp(a, b, 64) && memcmp(a, z, 64),
	      "two draws alike");
	static uint8_t big[2 << 20];
	kiln_random(big, sizeof(big));
	unsigned count[256] = {0};
	for (size_t i = 0; i < sizeof(big); i++)
		count[big[i]]++;
	/* 8192 expected per value; 6 sigma is about 540. */
	unsigned lo = ~0u, hi = 0;
	for (int i = 0; i < 256; i++) {
		lo = count[i] < lo ? count[i] : lo;
		hi = count[i] > hi ? count[i] : hi;
	}
	CHECK("random bytes evenly spread", lo > 7600 && hi < 8800,
	      "counts from %u to %u", lo, hi);
	kiln_random_require("test");
	CHECK("random required and present", true, "-");
}

/* Without a source: weak, said so, and kiln_random_require exits 1. */
static void test_random_none(void)
{
	CHECK("random weak without a source", !kiln_random_strong(),
	      "claims strong");
	uint8_t a[16], b[16];
	kiln_random(a, sizeof(a));
	kiln_random(b, sizeof(b));
	CHECK("random without a source still differs", memcmp(a, b, 16),
	      "two draws alike");
	kiln_random_require("tls");
	kiln_puts("random_require returned");
}

int kiln_main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "";
	if (!strcmp(which, "args")) {
		test_args(argc, argv);
		return failures ? 1 : 0;
	}
	kiln_arg_word(0);
	if (!strcmp(which, "block-in-callback"))
		kiln_arg_word(1);
	if (!strcmp(which, "reject")) {
		test_args_reject();
		return 0;
	}
	kiln_args_check();
	if (!strcmp(which, "timers")) {
		test_timers();
		test_timer_rearm();
	} else if (!strcmp(which, "fibers"))
		test_fibers();
	else if (!strcmp(which, "waitq"))
		test_waitq();
	else if (!strcmp(which, "join"))
		test_join();
	else if (!strcmp(which, "sleep"))
		test_sleep();
	else if (!strcmp(which, "loop"))
		test_loop();
	else if (!strcmp(which, "random"))
		test_random();
	else if (!strcmp(which, "random-none"))
		test_random_none();
	else if (!strcmp(which, "misc"))
		test_misc();
	else if (!strcmp(which, "deadlock"))
		test_deadlock();
	else if (!strcmp(which, "block-in-callback"))
		test_block_in_callback(kiln_arg_word(1) ? kiln_arg_word(1)
		                                        : "sleep");
	else if (!strcmp(which, "main-returns"))
		return test_main_returns();
	else if (!strcmp(which, "stack-overflow"))
		test_stack_overflow();
	else if (!strcmp(which, "assert"))
		test_assert();
	else {
		kiln_printf("unknown test '%s'\n", which);
		return 1;
	}
	return failures ? 1 : 0;
}
