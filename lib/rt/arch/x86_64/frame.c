/*
 * The first frame of a fiber on x86_64: what rt_ctx_switch (switch.S)
 * pops when it resumes a fiber that has never run.
 */
#include "../../rt_internal.h"

#include <stdint.h>
#include <string.h>

void *rt_ctx_first_frame(void *stack_top, void (*entry)(void *), void *arg)
{
	/* Default SSE and x87 control words, zeroed registers except r13
	 * (entry) and r12 (its argument), and rt_ctx_start to return to.
	 * Eight words below a 16-byte aligned top: after the "ret" into
	 * rt_ctx_start the stack is aligned as at a function's entry. */
	uint64_t *sp = (uint64_t *)stack_top - 8;
	memset(sp, 0, 8 * sizeof(*sp));
	sp[0] = (uint64_t)0x037f << 32 | 0x1f80;
	sp[3] = (uint64_t)(uintptr_t)entry;
	sp[4] = (uint64_t)(uintptr_t)arg;
	sp[7] = (uint64_t)(uintptr_t)rt_ctx_start;
	return sp;
}
