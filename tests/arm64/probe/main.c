/*
 * probe - does one thing the aarch64 supervisor must catch or serve:
 *   --fault=null    read through a NULL pointer (page 0 is unmapped)
 *   --fault=stack   recurse on a fiber into its stack's guard page
 *   --fault=ustack  the same on the boot stack (the image's guard page)
 *   --fault=wx      write to the code (text is read + execute only)
 *   --fault=nx      jump into data (data is never executable)
 *   --fault=ro      write to read-only data
 *   --fault=kernel  read the supervisor's memory (.kbss, EL1 only)
 *   --fault=wfi     execute WFI at EL0 (trapped)
 *   --sleep=MS      sleep MS milliseconds and print how many times the
 *                   platform asked the supervisor to sleep
 * A fault never returns: the expected end is the supervisor's report and
 * status 255. Anything reaching the end prints "not caught".
 */
#include <kiln/rt.h>
#include <string.h>

extern uint64_t yield_sleeps; /* the platform's (devices.c, main.c) */
extern char __kbss_start[];   /* platform/aarch64/image.ld */
extern char __user_stack_top[];

static const char rodata_word[16] = "read only";
static uint32_t data_word = 0xd65f03c0; /* "ret" */

static volatile int sink;
static volatile int depth_limit = 1 << 30; /* never reached */

/* Deep enough to run through any stack: each frame keeps 1 KiB live. */
static int recurse(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	pad[1023] = (char)n;
	if (n >= depth_limit)
		return 0;
	return recurse(n + 1) + pad[0] + pad[1023];
}

static void overflow(void *arg)
{
	(void)arg;
	sink = recurse(0);
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *fault = kiln_arg_string("--fault");
	uint64_t ms = 0;
	bool sleep = kiln_arg_uint("--sleep", 0, 60000, &ms) && ms > 0;
	kiln_args_check();

	if (sleep) {
		uint64_t before = yield_sleeps;
		kiln_time t0 = kiln_now();
		kiln_sleep(KILN_MSEC((int64_t)ms));
		kiln_printf("slept %lld ms, %llu supervisor sleeps\n",
		            (long long)((kiln_now() - t0) / KILN_MSEC(1)),
		            (unsigned long long)(yield_sleeps - before));
		return 0;
	}
	if (!fault) {
		kiln_puts("probe: nothing asked");
		return 0;
	}
	kiln_printf("probe: %s\n", fault);
	if (strcmp(fault, "null") == 0) {
		sink = *(volatile int *)(uintptr_t)sink;
	} else if (strcmp(fault, "stack") == 0) {
		struct kiln_fiber *f =
		        kiln_fiber_spawn("deep", overflow, NULL, 0);
		kiln_fiber_join(f);
	} else if (strcmp(fault, "ustack") == 0) {
		/* kiln_main runs on a fiber: fill the boot stack by hand. */
		volatile char *p = (volatile char *)__user_stack_top;
		for (;;)
			*--p = 1;
	} else if (strcmp(fault, "wx") == 0) {
		*(volatile uint32_t *)(uintptr_t)kiln_main = 0;
	} else if (strcmp(fault, "nx") == 0) {
		void (*fn)(void) = (void (*)(void))(uintptr_t)&data_word;
		fn();
	} else if (strcmp(fault, "ro") == 0) {
		*(volatile char *)(uintptr_t)rodata_word = 'x';
	} else if (strcmp(fault, "kernel") == 0) {
		sink = *(volatile int *)__kbss_start;
	} else if (strcmp(fault, "wfi") == 0) {
		__asm__ volatile("wfi");
	} else {
		kiln_printf("probe: unknown fault %s\n", fault);
		return 2;
	}
	kiln_puts("probe: not caught");
	return 1;
}
