/*
 * console.h - the PV console ring (io/console.h): bytes out to the
 * console daemon in the control domain.
 */
#ifndef XEN_CONSOLE_H
#define XEN_CONSOLE_H

#include <stddef.h>

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#include <xen/io/console.h>
#include <xen/xen.h>

/*
 * Copy as much of s (n bytes) into the ring's output half as fits and
 * publish it. Returns how many bytes were taken (0 when the ring is
 * full); the caller then notifies the console's event channel. The
 * daemon's index is read once and a corrupt one (more than the ring in
 * flight) is treated as a full ring. Usable from both rings.
 */
size_t xencons_put(struct xencons_interface *r, const char *s, size_t n);

/* Bytes the daemon has not taken yet (0 when everything was read). */
size_t xencons_pending(const struct xencons_interface *r);

#endif /* XEN_CONSOLE_H */
