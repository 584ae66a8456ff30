/*
 * asan.h - AddressSanitizer's fiber annotations, or nothing.
 *
 * ASan keeps track of the stack each thread runs on; a fiber switch moves
 * to another stack behind its back. Announcing every switch keeps its
 * stack checks (and stack-use-after-return fake stacks) correct.
 */
#ifndef KILN_RT_ASAN_H
#define KILN_RT_ASAN_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define RT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_ASAN 1
#endif
#endif

#ifdef RT_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
                                     const void **bottom_old, size_t *size_old);
#define rt_asan_start_switch(save, bottom, size)                               \
	__sanitizer_start_switch_fiber(save, bottom, size)
#define rt_asan_finish_switch(save, bottom_old, size_old)                      \
	__sanitizer_finish_switch_fiber(save, bottom_old, size_old)
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
/* A stack used again: the frames its last fiber never returned from left
 * their redzones poisoned. */
#define rt_asan_unpoison(addr, size) __asan_unpoison_memory_region(addr, size)
#else
/* Evaluate (and so "use") the arguments, do nothing. */
#define rt_asan_start_switch(save, bottom, size)                               \
	((void)(save), (void)(bottom), (void)(size))
#define rt_asan_finish_switch(save, bottom_old, size_old)                      \
	((void)(save), (void)(bottom_old), (void)(size_old))
#define rt_asan_unpoison(addr, size) ((void)(addr), (void)(size))
#endif

#endif /* KILN_RT_ASAN_H */
