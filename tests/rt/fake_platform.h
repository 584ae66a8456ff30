/* fake_platform.h - test controls of tests/rt/fake_platform.c. */
#ifndef KILN_TEST_FAKE_PLATFORM_H
#define KILN_TEST_FAKE_PLATFORM_H

#include <kiln/platform.h>

/* Make device h report input at monotonic time t. */
void fake_device_ready_at(platform_handle h, platform_time t);

#endif
