/*
 * rt_internal.h - what lib/rt's files share with each other (not public).
 */
#ifndef KILN_RT_INTERNAL_H
#define KILN_RT_INTERNAL_H

#include <kiln/rt.h>

/* Fiber states. */
enum rt_fiber_state {
	RT_FIBER_READY,   /* on the ready queue */
	RT_FIBER_RUNNING, /* the current fiber */
	RT_FIBER_WAITING, /* parked: on a wait queue, asleep or joining */
	RT_FIBER_DEAD     /* returned; its stack is no longer used */
};

struct kiln_fiber {
	const char *name;
	enum rt_fiber_state state;
	void (*fn)(void *arg);
	void *arg;

	/* The saved stack pointer while switched out (see arch/). */
	void *sp;
	/* The allocation holding the stack; the guard page and the usable
	 * stack [stack_lo, stack_lo + stack_size) lie inside it. */
	void *alloc;
	void *stack_lo;
	size_t stack_size;
	bool guarded;

	/* Links: ready queue (or a wait queue: a fiber is on at most one). */
	struct kiln_fiber *next, *prev;
	struct kiln_waitq *waiting_on;
	/* Every live fiber, for the deadlock report. */
	struct kiln_fiber *all_next, *all_prev;

	/* Deadline of a wait or sleep, and what ended the wait. */
	struct kiln_timer timer;
	int wait_result;

	/* Join bookkeeping. */
	bool kept;   /* kiln_fiber_keep: freed only by a join */
	bool joined; /* someone is in kiln_fiber_join on it */
	struct kiln_waitq joiners;

	/* AddressSanitizer's fake stack for this fiber, across switches. */
	void *asan_fake_stack;
};

/* loop.c */
/* Run the loop until the main fiber has returned; returns its status. */
int rt_loop_run(void);
/* Set by the main fiber's wrapper when kiln_main returns. */
void rt_loop_main_done(int status);
void rt_timers_fire(kiln_time now);
kiln_time rt_timers_next_deadline(void);
unsigned rt_timers_armed(void);
extern uint64_t rt_timers_fired;

/* fiber.c */
extern struct kiln_fiber *rt_current;
void rt_ready_push(struct kiln_fiber *f);
struct kiln_fiber *rt_ready_pop(void);
bool rt_ready_empty(void);
unsigned rt_ready_count(void);
/* Switch from the loop's stack into f, until f blocks, yields or ends. */
void rt_fiber_run(struct kiln_fiber *f);
/* Report the live fibers (names and states) on the console. */
void rt_fibers_report(void);
/* Remove all guard pages (at exit: see fiber.c). */
void rt_fibers_unguard_all(void);
/* Gives back the cached fiber stacks unused for a second (fiber.c). */
void rt_fibers_trim(kiln_time now);
extern uint64_t rt_switch_count;

/* args.c */
/* Split the cmdline into words (argv[0] = app name). false: no memory. */
bool rt_args_init(const char *app_name, const char *cmdline);
/* Forget the boot arguments and free their memory (for tests). */
void rt_args_reset(void);
int rt_args_argc(void);
char **rt_args_argv(void);

/* exit.c */
void rt_run_exit_hooks(void);

/* mem.c */
void rt_mem_init(void *heap, size_t size);

/*
 * The architecture's part (arch/ARCH/, one folder per architecture: the
 * only code of lib/rt that knows the CPU).
 *
 * switch.S: save callee-saved state on the current stack, store the stack
 * pointer in *save_sp, resume the context at new_sp.
 */
void rt_ctx_switch(void **save_sp, void *new_sp);
/* switch.S: the first code a new fiber runs; calls the entry function
 * with its argument, both left in registers by the first frame. */
void rt_ctx_start(void);
/* frame.c: build, below stack_top (16-byte aligned), the frame that
 * rt_ctx_switch resumes into entry(arg) by way of rt_ctx_start; returns
 * the stack pointer to resume. */
void *rt_ctx_first_frame(void *stack_top, void (*entry)(void *), void *arg);

/* A guarded check for the blocking calls. */
#define RT_NEED_FIBER(what)                                                    \
	do {                                                                   \
		if (rt_current == NULL)                                        \
			kiln_panic(                                            \
			        "%s called on the loop's stack (a "            \
			        "callback, hook or watcher must not block)",   \
			        what);                                         \
	} while (0)

#endif /* KILN_RT_INTERNAL_H */
