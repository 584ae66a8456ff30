/*
 * hvtfaults: commit the fault named by --fault=KIND, so that the tests can
 * check kiln-hvt's report. KIND is null-read, write-text, exec-heap,
 * stack-overflow (a fiber runs into the guard page below its stack),
 * div-zero, or none.
 */
#include <kiln/rt.h>
#include <stdlib.h>
#include <string.h>

static volatile int zero;

__attribute__((noinline)) int null_read(void)
{
	return *(volatile int *)(uintptr_t)zero;
}

static int write_text(void)
{
	*(volatile unsigned char *)(uintptr_t)null_read = 0xc3;
	return 0;
}

static int exec_heap(void)
{
	unsigned char *code = malloc(16);
	if (!code)
		return 1;
	code[0] = 0xc3; /* ret */
	((void (*)(void))(uintptr_t)code)();
	return 0;
}

static int div_zero(void)
{
	return 1000 / zero;
}

/* Each frame keeps 1 KiB live, so 64 KiB of stack lasts ~60 calls. */
static int recurse(int n)
{
	volatile char buf[1024];
	memset((char *)buf, n, sizeof(buf));
	return n > 0 ? recurse(n - 1) + buf[n % 1024] : 0;
}

static void overflow(void *arg)
{
	*(int *)arg = recurse(1000000);
}

static int stack_overflow(void)
{
	static int out;
	struct kiln_fiber *f = kiln_fiber_spawn("deep", overflow, &out, 0);
	if (!f)
		return 1;
	kiln_fiber_join(f);
	return out;
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *kind = kiln_arg_string("--fault");
	kiln_args_check();
	if (!kind || strcmp(kind, "none") == 0)
		return 0;
	kiln_printf("committing %s\n", kind);
	if (strcmp(kind, "null-read") == 0)
		return null_read();
	if (strcmp(kind, "write-text") == 0)
		return write_text();
	if (strcmp(kind, "exec-heap") == 0)
		return exec_heap();
	if (strcmp(kind, "div-zero") == 0)
		return div_zero();
	if (strcmp(kind, "stack-overflow") == 0)
		return stack_overflow();
	kiln_printf("unknown --fault=%s\n", kind);
	return 2;
}
