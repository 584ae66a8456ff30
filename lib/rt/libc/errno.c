/*
 * errno.c - the one errno of a single-core, single-address-space image.
 * Fibers share it: read it right after the call that set it, before
 * anything can block.
 */
#include <errno.h>

int rt_errno;
