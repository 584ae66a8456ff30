/*
 * tests/net/fake.c - see fake.h.
 */
#include "fake.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kiln_time fake_now = KILN_SEC(1000);
const uint8_t fake_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
enum kiln_log_level kiln_log_level = KILN_LOG_WARN;

struct fake_frame fake_sent[FAKE_MAX_FRAMES];
unsigned fake_nsent;
int fake_tx_congested;

static struct fake_frame inq[FAKE_MAX_FRAMES];
static unsigned inq_head, inq_len;

static const char **args;

static void (*watch_fn)(void *);
static void *watch_arg;
static struct kiln_hook *hooks;

#define MAX_TIMERS 256
static struct kiln_timer *timers[MAX_TIMERS];

/* ------------------------------------------------------------- runtime */

kiln_time kiln_now(void)
{
	return fake_now;
}

kiln_time kiln_wall(void)
{
	return KILN_SEC(1700000000) + fake_now;
}

int kiln_vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

int kiln_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kiln_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void kiln_puts(const char *s)
{
	fprintf(stderr, "%s\n", s);
}

void kiln_log(enum kiln_log_level level, const char *subsystem, const char *fmt,
              ...)
{
	va_list ap;
	if (level > kiln_log_level)
		return;
	fprintf(stderr, "%s: ", subsystem);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

const char *kiln_strerror(int err)
{
	static char buf[32];
	snprintf(buf, sizeof(buf), "error %d", err < 0 ? -err : err);
	return buf;
}

_Noreturn void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "panic: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

void fake_set_args(const char **a)
{
	args = a;
}

static const char *arg_value(const char *name)
{
	const char *v = NULL;
	size_t n = strlen(name);
	for (const char **a = args; a && *a; a++)
		if (strncmp(*a, name, n) == 0 && (*a)[n] == '=')
			v = *a + n + 1;
	return v;
}

const char *kiln_arg_string(const char *name)
{
	return arg_value(name);
}

bool kiln_arg_uint(const char *name, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *v = arg_value(name);
	if (!v)
		return true;
	char *end;
	unsigned long long x = strtoull(v, &end, 0);
	if (*end || x < min || x > max)
		return false;
	*out = x;
	return true;
}

void kiln_timer_init(struct kiln_timer *t,
                     void (*fn)(struct kiln_timer *t, void *arg), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

void kiln_timer_arm(struct kiln_timer *t, kiln_time deadline)
{
	t->deadline = deadline;
	if (t->index)
		return;
	for (unsigned i = 0; i < MAX_TIMERS; i++)
		if (!timers[i]) {
			timers[i] = t;
			t->index = i + 1;
			return;
		}
	abort(); /* the fake's table is too small */
}

void kiln_timer_cancel(struct kiln_timer *t)
{
	if (t->index) {
		timers[t->index - 1] = NULL;
		t->index = 0;
	}
}

bool kiln_timer_armed(const struct kiln_timer *t)
{
	return t->index != 0;
}

void kiln_waitq_init(struct kiln_waitq *q)
{
	q->head = q->tail = NULL;
}

int kiln_waitq_wait(struct kiln_waitq *q, kiln_time deadline)
{
	(void)q;
	(void)deadline;
	abort(); /* there are no fibers here */
}

unsigned kiln_waitq_wake_one(struct kiln_waitq *q)
{
	(void)q;
	return 0;
}

unsigned kiln_waitq_wake_all(struct kiln_waitq *q)
{
	(void)q;
	return 0;
}

struct kiln_fiber *kiln_fiber_self(void)
{
	return NULL;
}

void kiln_sleep(kiln_time duration)
{
	(void)duration;
	abort(); /* only fibers sleep; there are none here */
}

void kiln_fiber_yield(void)
{
	abort(); /* never called: kiln_fiber_self() is NULL here */
}

struct kiln_fiber *kiln_fiber_spawn(const char *name, void (*fn)(void *arg),
                                    void *arg, size_t stack_size)
{
	(void)name;
	(void)fn;
	(void)arg;
	(void)stack_size;
	return NULL; /* no fibers: callers see "no memory" */
}

void kiln_device_watch(platform_handle h, void (*fn)(void *arg), void *arg)
{
	(void)h;
	watch_fn = fn;
	watch_arg = arg;
}

void kiln_before_yield(struct kiln_hook *hook, void (*fn)(void *arg), void *arg)
{
	hook->fn = fn;
	hook->arg = arg;
	hook->next = hooks;
	hooks = hook;
}

void fake_fire_timers(void)
{
	for (unsigned i = 0; i < MAX_TIMERS; i++) {
		struct kiln_timer *t = timers[i];
		if (t && t->deadline <= fake_now) {
			kiln_timer_cancel(t);
			t->fn(t, t->arg);
		}
	}
}

void fake_turn(void)
{
	if (inq_len && watch_fn)
		watch_fn(watch_arg);
	fake_fire_timers();
	for (struct kiln_hook *h = hooks; h; h = h->next)
		h->fn(h->arg);
}

void fake_advance(kiln_time d)
{
	fake_now += d;
	fake_turn();
}

/* ------------------------------------------------------------ platform */

enum platform_result platform_net_acquire(const char *name, platform_handle *h,
                                          struct platform_net_info *info)
{
	if (strcmp(name, "net0") != 0)
		return PLATFORM_ENOENT;
	*h = 0;
	memcpy(info->mac, fake_mac, 6);
	info->mtu = 1500;
	info->offloads = 0;
	return PLATFORM_OK;
}

enum platform_result platform_net_offload(platform_handle h, uint32_t want)
{
	(void)h;
	return want ? PLATFORM_EINVAL : PLATFORM_OK;
}

void fake_inject(const void *frame, size_t len)
{
	if (inq_len == FAKE_MAX_FRAMES || len > FAKE_FRAME_SIZE)
		abort();
	struct fake_frame *f = &inq[(inq_head + inq_len++) % FAKE_MAX_FRAMES];
	memcpy(f->data, frame, len);
	f->len = len;
	memset(&f->meta, 0, sizeof(f->meta));
}

void fake_inject_meta(const void *frame, size_t len,
                      const struct platform_net_meta *meta)
{
	fake_inject(frame, len);
	inq[(inq_head + inq_len - 1) % FAKE_MAX_FRAMES].meta = *meta;
}

enum platform_result platform_net_read(platform_handle h, void *buf,
                                       size_t size, size_t *len)
{
	(void)h;
	if (!inq_len)
		return PLATFORM_AGAIN;
	struct fake_frame *f = &inq[inq_head];
	inq_head = (inq_head + 1) % FAKE_MAX_FRAMES;
	inq_len--;
	if (f->len > size)
		return PLATFORM_EINVAL;
	memcpy(buf, f->data, f->len);
	*len = f->len;
	return PLATFORM_OK;
}

int platform_net_read_batch(platform_handle h, struct platform_frame *frames,
                            unsigned n)
{
	unsigned i = 0;
	while (i < n) {
		if (inq_len)
			frames[i].meta = inq[inq_head].meta;
		enum platform_result r = platform_net_read(
		        h, frames[i].data, frames[i].size, &frames[i].len);
		if (r == PLATFORM_AGAIN)
			break;
		if (r == PLATFORM_OK)
			i++;
	}
	return (int)i;
}

enum platform_result platform_net_write(platform_handle h, const void *buf,
                                        size_t len)
{
	(void)h;
	if (len > 1514)
		abort(); /* the stack must never send more than mtu + 14 */
	if (fake_nsent < FAKE_MAX_FRAMES) {
		memcpy(fake_sent[fake_nsent].data, buf, len);
		fake_sent[fake_nsent].len = len;
		fake_nsent++;
	}
	return PLATFORM_OK;
}

int platform_net_write_batch(platform_handle h,
                             const struct platform_frame *frames, unsigned n)
{
	if (fake_tx_congested)
		return 0;
	for (unsigned i = 0; i < n; i++)
		platform_net_write(h, frames[i].data, frames[i].len);
	return (int)n;
}

void fake_sent_clear(void)
{
	fake_nsent = 0;
}

/* No entropy source: lib/rt's generator is then seeded from the fake
 * clocks alone, so a run (and a fuzz input) replays the same ids. */
enum platform_result platform_entropy(void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return PLATFORM_EUNSUPPORTED;
}
