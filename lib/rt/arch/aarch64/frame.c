/*
 * The first frame of a fiber on aarch64: what rt_ctx_switch (switch.S)
 * loads when it resumes a fiber that has never run.
 */
#include "../../rt_internal.h"

#include <stdint.h>
#include <string.h>

#define FRAME_WORDS 22 /* 176 bytes: see switch.S */

void *rt_ctx_first_frame(void *stack_top, void (*entry)(void *), void *arg)
{
	/* Zeroed registers (FPCR 0: round to nearest, no traps) except x19
	 * (entry), x20 (its argument) and x30, where "ret" goes:
	 * rt_ctx_start. The top is 16-byte aligned and so is the frame. */
	uint64_t *sp = (uint64_t *)stack_top - FRAME_WORDS;
	memset(sp, 0, FRAME_WORDS * sizeof(*sp));
	sp[0] = (uint64_t)(uintptr_t)entry;
	sp[1] = (uint64_t)(uintptr_t)arg;
	sp[11] = (uint64_t)(uintptr_t)rt_ctx_start;
	return sp;
}
