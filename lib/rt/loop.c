/*
 * loop.c - the event loop: the one place a Kiln unikernel decides what
 * runs next, and the only caller of platform_yield().
 *
 * One turn:
 *   1. run each fiber that was ready when the turn began, once, in order
 *      (fibers made ready meanwhile wait for the next turn: round robin);
 *   2. fire the timers that are due;
 *   3. run the before-yield hooks;
 *   4. sleep in platform_yield() until the earliest timer, or, while
 *      fibers are ready, just poll the devices - not at every turn but
 *      once the busy turns since the last poll reach BUSY_POLL_TURNS or
 *      BUSY_POLL_INTERVAL has passed (see below);
 *   5. call the watchers of the devices that reported input.
 * The loop ends when the main fiber (kiln_main) has returned.
 */
#include "rt_internal.h"

static bool main_done;
static int main_status;

static struct kiln_hook *hooks;

static struct {
	void (*fn)(void *arg);
	void *arg;
} watchers[PLATFORM_MAX_DEVICES];
static platform_device_set watched;

static uint64_t turns, yields;

/*
 * While fibers are ready, how often the loop still asks the platform for
 * device input. A poll is a call into the host: on hvt a VM exit, which
 * costs up to a millisecond when KVM is nested. Polling at every turn made
 * each hand-off between fibers (a handler started, joined, a fiber woken
 * by another) cost an exit, so code on fibers ran at a few percent of its
 * speed on unix. Skipping polls delays device input by at most the
 * interval, and only while the unikernel has work ready anyway.
 */
#define BUSY_POLL_TURNS 64
#define BUSY_POLL_INTERVAL KILN_USEC(250)

void rt_loop_main_done(int status)
{
	main_done = true;
	main_status = status;
}

void kiln_device_watch(platform_handle h, void (*fn)(void *arg), void *arg)
{
	KILN_ASSERT(h < PLATFORM_MAX_DEVICES);
	watchers[h].fn = fn;
	watchers[h].arg = arg;
	if (fn)
		watched |= (platform_device_set)1 << h;
	else
		watched &= ~((platform_device_set)1 << h);
}

void kiln_before_yield(struct kiln_hook *hook, void (*fn)(void *arg), void *arg)
{
	hook->fn = fn;
	hook->arg = arg;
	/* Appended, so hooks run in the order they were added. */
	hook->next = NULL;
	struct kiln_hook **p = &hooks;
	while (*p)
		p = &(*p)->next;
	*p = hook;
}

/* Nothing can ever run again: say so rather than sleep forever. */
static _Noreturn void deadlock(void)
{
	kiln_printf("deadlock: no fiber is ready, no timer is armed and no "
	            "device is watched; live fibers:\n");
	rt_fibers_report();
	kiln_panic("deadlock: all fibers blocked forever");
}

int rt_loop_run(void)
{
	unsigned busy_turns = 0;
	kiln_time last_poll = kiln_now();
	for (;;) {
		turns++;
		for (unsigned n = rt_ready_count(); n > 0 && !main_done; n--)
			rt_fiber_run(rt_ready_pop());
		if (main_done)
			return main_status;

		rt_timers_fire(kiln_now());
		for (struct kiln_hook *h = hooks; h; h = h->next)
			h->fn(h->arg);

		kiln_time deadline;
		if (!rt_ready_empty()) {
			kiln_time now = kiln_now();
			if (++busy_turns < BUSY_POLL_TURNS &&
			    now - last_poll < BUSY_POLL_INTERVAL)
				continue; /* run them first */
			deadline = now;   /* poll, then run them */
		} else {
			rt_fibers_trim(kiln_now());
			deadline = rt_timers_next_deadline();
			if (deadline == KILN_NEVER && watched == 0)
				deadlock();
		}
		platform_device_set set = platform_yield(deadline);
		yields++;
		busy_turns = 0;
		last_poll = kiln_now();
		if (set & PLATFORM_STOP) {
			KILN_INFO("rt", "stopping: the host asked");
			kiln_exit(0);
		}

		set &= watched;
		for (unsigned h = 0; set != 0 && h < PLATFORM_MAX_DEVICES;
		     h++) {
			platform_device_set bit = (platform_device_set)1 << h;
			if (!(set & bit))
				continue;
			set &= ~bit;
			/* Re-read: an earlier watcher may have removed it. */
			if (watchers[h].fn)
				watchers[h].fn(watchers[h].arg);
		}
	}
}

void kiln_loop_stats(struct kiln_loop_stats *st)
{
	st->turns = turns;
	st->yields = yields;
	st->switches = rt_switch_count;
	st->timers_fired = rt_timers_fired;
}
