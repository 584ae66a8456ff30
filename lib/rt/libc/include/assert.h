/*
 * assert.h - Kiln's freestanding <assert.h> (lib/rt/libc): a failed
 * assert is a kiln panic naming the expression, file and line. Like the
 * standard one it has no include guard: each inclusion re-reads NDEBUG.
 */
#include <kiln/rt.h>

#undef assert
#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr)                                                           \
	((expr) ? (void)0                                                      \
	        : kiln_panic_at(__FILE__, __LINE__, "assertion failed: %s",    \
	                        #expr))
#endif

#ifndef static_assert
#define static_assert _Static_assert
#endif
