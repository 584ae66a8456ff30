/*
 * tests/net/fake.h - a stand-in runtime and platform for testing lib/net
 * on the host without fibers or a device: a settable clock, timers fired
 * on demand, boot arguments from a list, and a network device whose
 * input frames the test injects and whose output it inspects.
 */
#ifndef KILN_TESTS_NET_FAKE_H
#define KILN_TESTS_NET_FAKE_H

#include <kiln/rt.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_FRAMES 256
#define FAKE_FRAME_SIZE 2048

extern kiln_time fake_now;
extern const uint8_t fake_mac[6];

/* Boot arguments, NULL-terminated (before net_start). */
void fake_set_args(const char **args);

/* Queue a frame for the stack to read. */
void fake_inject(const void *frame, size_t len);
/* The same with offload metadata from the "host". */
void fake_inject_meta(const void *frame, size_t len,
                      const struct platform_net_meta *meta);
/* Run what the loop would: the device watcher (if frames are queued),
 * expired timers, and the before-yield hooks. */
void fake_turn(void);
/* Fire the expired timers only. */
void fake_fire_timers(void);
/* Advance the clock by d and run a turn. */
void fake_advance(kiln_time d);

/* Frames the stack sent, oldest first; fake_sent_clear() forgets them. */
struct fake_frame {
	uint8_t data[FAKE_FRAME_SIZE];
	size_t len;
	struct platform_net_meta meta; /* as the batch read hands it over */
};
extern struct fake_frame fake_sent[FAKE_MAX_FRAMES];
extern unsigned fake_nsent;
void fake_sent_clear(void);

/* Make the device refuse (0 taken) writes while set. */
extern int fake_tx_congested;

#endif /* KILN_TESTS_NET_FAKE_H */
