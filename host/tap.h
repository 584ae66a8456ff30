/*
 * host/tap.h - opening a Linux tap device for raw Ethernet frames.
 */
#ifndef KILN_HOST_TAP_H
#define KILN_HOST_TAP_H

#include <stddef.h>

/*
 * Attach to the tap interface ifname (created if it does not exist and we
 * may), as IFF_TAP | IFF_NO_PI, non-blocking. Returns the file descriptor,
 * or -1 with a one-line reason in err.
 */
int host_tap_open(const char *ifname, char *err, size_t errlen);

#endif /* KILN_HOST_TAP_H */
