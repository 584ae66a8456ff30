/*
 * hvtfaults: commit the fault named by --fault=KIND, so that the tests can
 * check kiln-hvt's report. KIND is null-read, write-text, exec-heap,
 * stack-overflow (a fiber runs into the guard page below its stack),
 * stack-overflow-high (the same with the fiber's stack above 4 MiB of
 * heap in use, inside the monitor's 2 MiB heap pages), div-zero, or none.
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

/* 4 MiB taken and written first puts the fiber's stack (and its guard
 * page) in a 2 MiB heap page that the supervisor must split; the rest of
 * that block is written again afterwards and must still be there. */
static int stack_overflow_high(void)
{
	size_t len = 4u << 20;
	unsigned char *big = malloc(len);
	if (!big)
		return 1;
	memset(big, 0x5a, len);
	static int out;
	struct kiln_fiber *f = kiln_fiber_spawn("deep", overflow, &out, 0);
	if (!f)
		return 1;
	for (size_t i = 0; i < len; i += 4096)
		if (big[i] != 0x5a || (big[i] = 0xa5) != 0xa5)
			return 1;
	kiln_printf("heap intact at %p\n", (void *)big);
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
	if (strcmp(kind, "stack-overflow-high") == 0)
		return stack_overflow_high();
	kiln_printf("unknown --fault=%s\n", kind);
	return 2;
}
