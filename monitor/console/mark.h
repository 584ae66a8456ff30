/*
 * mark.h - the exit-status mark in a guest's console output.
 *
 * The aarch64 targets cannot end QEMU with a status of their choosing
 * (PSCI SYSTEM_OFF and the Pi's watchdog end it with 0), so their
 * supervisor writes its exit status on the console as the last thing it
 * does: ESC "]kiln-exit;" 1-3 decimal digits (0..255) BEL, an OSC
 * sequence that a terminal ignores. kiln-console takes it out of the
 * output stream and exits with it.
 *
 * The filter is a state machine fed the output in pieces of any size
 * (a mark may straddle two reads); bytes that turn out not to be part of
 * a mark are passed on unchanged and in order. Fuzzed by
 * fuzz/console_mark.c.
 */
#ifndef KILN_CONSOLE_MARK_H
#define KILN_CONSOLE_MARK_H

#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MARK_PREFIX "\x1b]kiln-exit;"
#define MARK_PREFIX_LEN 12
/* The most bytes a mark holds back: the prefix and three digits. */
#define MARK_HELD_MAX (MARK_PREFIX_LEN + 3)

struct mark_filter {
	uint8_t held[MARK_HELD_MAX]; /* a mark's start, not yet decided */
	size_t nheld;
	unsigned value;
	bool seen; /* a whole mark went by */
	int status;
};

void mark_init(struct mark_filter *m);

/*
 * Feed the next bytes of the output. Bytes to pass on are written to out,
 * which must have room for in.len + MARK_HELD_MAX bytes; returns how many.
 * When a whole mark has gone by, m->seen is set and m->status holds its
 * status (a later mark replaces an earlier one).
 */
size_t mark_feed(struct mark_filter *m, struct kiln_view in, uint8_t *out);

/* At the end of the output: whatever is held back was not a mark. Writes
 * it to out (room for MARK_HELD_MAX bytes) and returns how many. */
size_t mark_flush(struct mark_filter *m, uint8_t *out);

#endif /* KILN_CONSOLE_MARK_H */
