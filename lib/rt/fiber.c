/*
 * fiber.c - fibers: stacks, the ready queue and switching.
 *
 * Every switch goes through the loop: the loop (on the boot stack) runs a
 * ready fiber until it blocks, yields or returns, and a fiber that blocks
 * switches back to the loop. This costs two switches per hand-over but
 * keeps the rule simple: only the loop decides what runs next, and a
 * finished fiber's stack can be freed by the loop, which is not on it.
 */
#include "asan.h"
#include "rt_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE ((size_t)4096)
/* The smallest stack we hand out: the console and logging functions alone
 * use a couple of KiB. */
#define STACK_MIN ((size_t)16 * 1024)

struct kiln_fiber *rt_current;
uint64_t rt_switch_count;

static void *loop_sp;
/* The loop's stack as AddressSanitizer sees it (learnt on first switch). */
static const void *loop_stack_bottom;
static size_t loop_stack_size;

static struct {
	struct kiln_fiber *head, *tail;
	unsigned count;
} ready;

static struct kiln_fiber *all_fibers;

/* ---------------------------------------------------------- ready queue */

void rt_ready_push(struct kiln_fiber *f)
{
	KILN_ASSERT(f->state != RT_FIBER_READY && f->state != RT_FIBER_DEAD);
	f->state = RT_FIBER_READY;
	f->next = NULL;
	f->prev = ready.tail;
	if (ready.tail)
		ready.tail->next = f;
	else
		ready.head = f;
	ready.tail = f;
	ready.count++;
}

struct kiln_fiber *rt_ready_pop(void)
{
	struct kiln_fiber *f = ready.head;
	if (f == NULL)
		return NULL;
	ready.head = f->next;
	if (ready.head)
		ready.head->prev = NULL;
	else
		ready.tail = NULL;
	ready.count--;
	f->next = f->prev = NULL;
	return f;
}

bool rt_ready_empty(void)
{
	return ready.head == NULL;
}

unsigned rt_ready_count(void)
{
	return ready.count;
}

/* --------------------------------------------------------------- stacks */

/*
 * Stacks of the default size that ended, kept with their guard page still
 * set for the next fiber. Setting and clearing a guard page is a call into
 * the platform's supervisor - on hvt a trap into guest ring 0, which nested
 * KVM emulates at great cost - and a server starts a fiber per request, so
 * each request paid two. A burst (a batch of requests from many clients)
 * starts many at once, hence room for STACK_CACHE_MAX; stacks the cache
 * did not hand out for a second are given back (rt_fibers_trim), down to
 * STACK_CACHE_KEEP (~0.5 MiB), so an idle unikernel does not sit on them.
 */
#define STACK_CACHE_MAX 64
#define STACK_CACHE_KEEP 8
static struct cached_stack {
	void *alloc;
	bool guarded;
} stack_cache[STACK_CACHE_MAX];
static unsigned stack_cache_count;
/* The fewest stacks the cache held since the last trim: that many were
 * not needed in the meantime. */
static unsigned stack_cache_low;
static kiln_time stack_cache_trimmed;

static void stack_release(void *alloc, bool guarded)
{
	if (guarded)
		platform_guard_page(alloc, false);
	free(alloc);
}

void rt_fibers_trim(kiln_time now)
{
	if (now - stack_cache_trimmed < KILN_SEC(1))
		return;
	stack_cache_trimmed = now;
	unsigned idle = stack_cache_low;
	while (idle > 0 && stack_cache_count > STACK_CACHE_KEEP) {
		struct cached_stack c = stack_cache[--stack_cache_count];
		stack_release(c.alloc, c.guarded);
		idle--;
	}
	stack_cache_low = stack_cache_count;
}

static void fiber_free(struct kiln_fiber *f)
{
	if (f->stack_size == KILN_FIBER_STACK_DEFAULT &&
	    stack_cache_count < STACK_CACHE_MAX)
		stack_cache[stack_cache_count++] =
		        (struct cached_stack){f->alloc, f->guarded};
	else
		stack_release(f->alloc, f->guarded);
	free(f);
}

/* A stack of stack_size bytes above a guard page: a cached one when it
 * fits, else a new one. f->guarded says whether the guard page is set. */
static bool stack_get(struct kiln_fiber *f, size_t stack_size)
{
	if (stack_size == KILN_FIBER_STACK_DEFAULT && stack_cache_count > 0) {
		struct cached_stack c = stack_cache[--stack_cache_count];
		if (stack_cache_count < stack_cache_low)
			stack_cache_low = stack_cache_count;
		f->alloc = c.alloc;
		f->guarded = c.guarded;
		f->stack_lo = (char *)c.alloc + PAGE_SIZE;
		f->stack_size = stack_size;
		rt_asan_unpoison(f->stack_lo, stack_size);
		return true;
	}
	/* Page-aligned, with the guard page at the bottom. */
	f->alloc = aligned_alloc(PAGE_SIZE, stack_size + PAGE_SIZE);
	if (f->alloc == NULL)
		return false;
	f->stack_lo = (char *)f->alloc + PAGE_SIZE;
	f->stack_size = stack_size;
	f->guarded = platform_guard_page(f->alloc, true) == PLATFORM_OK;
	return true;
}

static void all_remove(struct kiln_fiber *f)
{
	if (f->all_prev)
		f->all_prev->all_next = f->all_next;
	else
		all_fibers = f->all_next;
	if (f->all_next)
		f->all_next->all_prev = f->all_prev;
	f->all_next = f->all_prev = NULL;
}

/* ------------------------------------------------------------ switching */

/* Called on the fiber: give the CPU back to the loop. */
static void switch_to_loop(struct kiln_fiber *f)
{
	rt_asan_start_switch(&f->asan_fake_stack, loop_stack_bottom,
	                     loop_stack_size);
	rt_ctx_switch(&f->sp, loop_sp);
	rt_asan_finish_switch(f->asan_fake_stack, &loop_stack_bottom,
	                      &loop_stack_size);
}

/* The C entry of every fiber (reached through rt_ctx_start). */
static void fiber_main(void *arg)
{
	struct kiln_fiber *f = arg;
	rt_asan_finish_switch(NULL, &loop_stack_bottom, &loop_stack_size);
	f->fn(f->arg);

	f->state = RT_FIBER_DEAD;
	kiln_waitq_wake_all(&f->joiners);
	/* A NULL fake-stack slot tells ASan this stack is gone for good. */
	rt_asan_start_switch(NULL, loop_stack_bottom, loop_stack_size);
	rt_ctx_switch(&f->sp, loop_sp);
	kiln_panic("a finished fiber was resumed");
}

void rt_fiber_run(struct kiln_fiber *f)
{
	void *fake_stack = NULL;

	KILN_ASSERT(rt_current == NULL);
	f->state = RT_FIBER_RUNNING;
	rt_current = f;
	rt_switch_count++;
	rt_asan_start_switch(&fake_stack, f->stack_lo, f->stack_size);
	rt_ctx_switch(&loop_sp, f->sp);
	rt_asan_finish_switch(fake_stack, NULL, NULL);
	rt_current = NULL;

	if (f->state == RT_FIBER_DEAD) {
		all_remove(f);
		if (!f->kept && !f->joined)
			fiber_free(f);
	}
}

/* ------------------------------------------------------------ the API */

static void fiber_timeout(struct kiln_timer *t, void *arg);

struct kiln_fiber *kiln_fiber_spawn(const char *name, void (*fn)(void *arg),
                                    void *arg, size_t stack_size)
{
	if (stack_size == 0)
		stack_size = KILN_FIBER_STACK_DEFAULT;
	if (stack_size < STACK_MIN)
		stack_size = STACK_MIN;
	if (stack_size > SIZE_MAX / 2)
		return NULL;
	stack_size = (stack_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	struct kiln_fiber *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	if (!stack_get(f, stack_size)) {
		free(f);
		return NULL;
	}

	f->name = name ? name : "fiber";
	f->fn = fn;
	f->arg = arg;
	kiln_timer_init(&f->timer, fiber_timeout, f);
	kiln_waitq_init(&f->joiners);

	/* The frame rt_ctx_switch resumes (arch/ARCH/frame.c). */
	f->sp = rt_ctx_first_frame((char *)f->stack_lo + stack_size, fiber_main,
	                           f);

	f->state = RT_FIBER_WAITING; /* not yet on any queue */
	f->all_next = all_fibers;
	if (all_fibers)
		all_fibers->all_prev = f;
	all_fibers = f;
	rt_ready_push(f);
	return f;
}

void kiln_fiber_yield(void)
{
	RT_NEED_FIBER("kiln_fiber_yield");
	struct kiln_fiber *f = rt_current;
	rt_ready_push(f);
	switch_to_loop(f);
}

/*
 * Park the running fiber; something (a wake, its timer) will put it back
 * on the ready queue. Returns what ended the wait.
 */
static int park(struct kiln_fiber *f, kiln_time deadline)
{
	f->state = RT_FIBER_WAITING;
	f->wait_result = 0;
	if (deadline != KILN_NEVER)
		kiln_timer_arm(&f->timer, deadline);
	switch_to_loop(f);
	kiln_timer_cancel(&f->timer);
	return f->wait_result;
}

void kiln_sleep_until(kiln_time deadline)
{
	RT_NEED_FIBER("kiln_sleep");
	/* A deadline of "never" would park the fiber forever; the loop
	 * reports that as a deadlock if nothing else can run. */
	park(rt_current, deadline);
}

void kiln_sleep(kiln_time duration)
{
	RT_NEED_FIBER("kiln_sleep");
	kiln_time now = kiln_now();
	if (duration < 0)
		duration = 0;
	park(rt_current,
	     duration >= KILN_NEVER - now ? KILN_NEVER : now + duration);
}

void kiln_fiber_keep(struct kiln_fiber *f)
{
	f->kept = true;
}

void kiln_fiber_join(struct kiln_fiber *f)
{
	RT_NEED_FIBER("kiln_fiber_join");
	if (f == rt_current)
		kiln_panic("fiber %s joins itself", f->name);
	if (f->joined)
		kiln_panic("fiber %s joined twice", f->name);
	f->joined = true;
	while (f->state != RT_FIBER_DEAD)
		kiln_waitq_wait(&f->joiners, KILN_NEVER);
	fiber_free(f);
}

struct kiln_fiber *kiln_fiber_self(void)
{
	return rt_current;
}

const char *kiln_fiber_name(const struct kiln_fiber *f)
{
	return f ? f->name : "loop";
}

/* ---------------------------------------------------------- wait queues */

void kiln_waitq_init(struct kiln_waitq *q)
{
	q->head = q->tail = NULL;
}

static void waitq_remove(struct kiln_waitq *q, struct kiln_fiber *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		q->head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		q->tail = f->prev;
	f->next = f->prev = NULL;
	f->waiting_on = NULL;
}

/* A wait's deadline (or a sleep's end) came. */
static void fiber_timeout(struct kiln_timer *t, void *arg)
{
	struct kiln_fiber *f = arg;
	(void)t;
	if (f->waiting_on)
		waitq_remove(f->waiting_on, f);
	f->wait_result = -KILN_ETIMEDOUT;
	rt_ready_push(f);
}

int kiln_waitq_wait(struct kiln_waitq *q, kiln_time deadline)
{
	RT_NEED_FIBER("kiln_waitq_wait");
	struct kiln_fiber *f = rt_current;
	if (deadline != KILN_NEVER && deadline <= kiln_now())
		return -KILN_ETIMEDOUT;
	f->next = NULL;
	f->prev = q->tail;
	if (q->tail)
		q->tail->next = f;
	else
		q->head = f;
	q->tail = f;
	f->waiting_on = q;
	return park(f, deadline);
}

unsigned kiln_waitq_wake_one(struct kiln_waitq *q)
{
	struct kiln_fiber *f = q->head;
	if (f == NULL)
		return 0;
	waitq_remove(q, f);
	kiln_timer_cancel(&f->timer);
	f->wait_result = 0;
	rt_ready_push(f);
	return 1;
}

unsigned kiln_waitq_wake_all(struct kiln_waitq *q)
{
	unsigned n = 0;
	while (kiln_waitq_wake_one(q))
		n++;
	return n;
}

/* ------------------------------------------------------------- reports */

/*
 * Turn every guard page back into memory before the process ends: leak
 * checkers (LeakSanitizer on unix) scan heap blocks at exit, and a fiber
 * stack's guard page lies inside one.
 */
void rt_fibers_unguard_all(void)
{
	for (struct kiln_fiber *f = all_fibers; f; f = f->all_next) {
		if (f->guarded) {
			platform_guard_page((char *)f->stack_lo - PAGE_SIZE,
			                    false);
			f->guarded = false;
		}
	}
	for (unsigned i = 0; i < stack_cache_count; i++) {
		if (stack_cache[i].guarded) {
			platform_guard_page(stack_cache[i].alloc, false);
			stack_cache[i].guarded = false;
		}
	}
}

void rt_fibers_report(void)
{
	for (struct kiln_fiber *f = all_fibers; f; f = f->all_next) {
		const char *what = "parked";
		if (f->state == RT_FIBER_READY)
			what = "ready";
		else if (f->waiting_on)
			what = "waiting on a wait queue";
		kiln_printf("  fiber %s: %s\n", f->name, what);
	}
}
