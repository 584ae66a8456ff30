/*
 * timer.c - one-shot timers kept in a binary min-heap.
 *
 * The heap orders timers by (deadline, seq): seq is a counter taken when a
 * timer is armed, so timers with equal deadlines fire in the order they
 * were armed. heap[1] is the earliest; a timer's index is its slot, and 0
 * means "not armed", which makes cancel O(log n) without searching.
 */
#include "rt_internal.h"

#include <stdlib.h>

static struct kiln_timer **heap; /* heap[1..heap_len] */
static unsigned heap_len, heap_cap;
static uint64_t next_seq = 1;
uint64_t rt_timers_fired;

static bool earlier(const struct kiln_timer *a, const struct kiln_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void put(unsigned i, struct kiln_timer *t)
{
	heap[i] = t;
	t->index = i;
}

static void sift_up(unsigned i)
{
	struct kiln_timer *t = heap[i];
	while (i > 1 && earlier(t, heap[i / 2])) {
		put(i, heap[i / 2]);
		i /= 2;
	}
	put(i, t);
}

static void sift_down(unsigned i)
{
	struct kiln_timer *t = heap[i];
	for (;;) {
		unsigned c = 2 * i;
		if (c > heap_len)
			break;
		if (c + 1 <= heap_len && earlier(heap[c + 1], heap[c]))
			c++;
		if (!earlier(heap[c], t))
			break;
		put(i, heap[c]);
		i = c;
	}
	put(i, t);
}

static void grow(void)
{
	unsigned cap = heap_cap ? heap_cap * 2 : 64;
	/* Slot 0 is unused: indexes start at 1 so that 0 means unarmed. */
	struct kiln_timer **h = realloc(heap, (cap + 1) * sizeof(*h));
	if (h == NULL)
		kiln_panic("out of memory for %u timers", cap);
	heap = h;
	heap_cap = cap;
}

void kiln_timer_init(struct kiln_timer *t,
                     void (*fn)(struct kiln_timer *t, void *arg), void *arg)
{
	t->deadline = 0;
	t->fn = fn;
	t->arg = arg;
	t->seq = 0;
	t->index = 0;
}

void kiln_timer_cancel(struct kiln_timer *t)
{
	unsigned i = t->index;
	if (i == 0)
		return;
	KILN_ASSERT(i <= heap_len && heap[i] == t);
	struct kiln_timer *last = heap[heap_len--];
	t->index = 0;
	if (i <= heap_len) {
		put(i, last);
		sift_up(i);
		sift_down(last->index);
	}
}

void kiln_timer_arm(struct kiln_timer *t, kiln_time deadline)
{
	KILN_ASSERT(t->fn != NULL);
	kiln_timer_cancel(t);
	if (heap_len == heap_cap)
		grow();
	t->deadline = deadline;
	t->seq = next_seq++;
	heap_len++;
	put(heap_len, t);
	sift_up(heap_len);
}

bool kiln_timer_armed(const struct kiln_timer *t)
{
	return t->index != 0;
}

/*
 * Fire every timer due at now. Timers armed while firing (a callback that
 * re-arms itself for "now", say) wait for the next loop turn, so one turn
 * always ends.
 */
void rt_timers_fire(kiln_time now)
{
	uint64_t limit = next_seq;
	while (heap_len > 0 && heap[1]->deadline <= now &&
	       heap[1]->seq < limit) {
		struct kiln_timer *t = heap[1];
		kiln_timer_cancel(t);
		rt_timers_fired++;
		t->fn(t, t->arg);
	}
}

kiln_time rt_timers_next_deadline(void)
{
	return heap_len > 0 ? heap[1]->deadline : KILN_NEVER;
}

unsigned rt_timers_armed(void)
{
	return heap_len;
}
