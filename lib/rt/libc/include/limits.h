/*
 * limits.h - the compiler's own <limits.h>, told that there is no C
 * library one to chain to (gcc's looks for it otherwise, which fails
 * under -nostdinc).
 */
#ifndef _KILN_LIMITS_H
#define _KILN_LIMITS_H

#ifndef _LIBC_LIMITS_H_
#define _LIBC_LIMITS_H_ 1
#endif
#include_next <limits.h>

#endif /* _KILN_LIMITS_H */
