/*
 * errno.h - Kiln's freestanding <errno.h> (lib/rt/libc): the codes the
 * C library subset sets. One errno for the whole image (single core);
 * fibers share it.
 */
#ifndef _KILN_ERRNO_H
#define _KILN_ERRNO_H

extern int rt_errno;
#define errno rt_errno

#define EINVAL 22
#define ENOMEM 12
#define ERANGE 34
#define EDOM 33
#define EILSEQ 84
#define EOVERFLOW 75

#endif /* _KILN_ERRNO_H */
