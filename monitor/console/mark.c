/*
 * mark.c - the exit-status mark filter (see mark.h).
 */
#include "mark.h"

void mark_init(struct mark_filter *m)
{
	m->nheld = 0;
	m->value = 0;
	m->seen = false;
	m->status = 0;
}

/* Does byte c continue the mark held so far? Ends it (returns 2)? */
static int step(struct mark_filter *m, uint8_t c)
{
	size_t n = m->nheld;
	if (n < MARK_PREFIX_LEN)
		return c == (uint8_t)MARK_PREFIX[n] ? 1 : 0;
	size_t digits = n - MARK_PREFIX_LEN;
	if (c >= '0' && c <= '9' && digits < 3)
		return 1;
	if (c == 0x07 && digits > 0 && m->value <= 255)
		return 2;
	return 0;
}

static size_t give_back(struct mark_filter *m, uint8_t *out)
{
	size_t n = m->nheld;
	for (size_t i = 0; i < n; i++)
		out[i] = m->held[i];
	m->nheld = 0;
	m->value = 0;
	return n;
}

size_t mark_feed(struct mark_filter *m, struct kiln_view in, uint8_t *out)
{
	size_t w = 0;
	uint8_t c;
	while (kiln_view_u8(&in, &c)) {
		int r = step(m, c);
		if (r == 0 && m->nheld > 0) {
			/* Not a mark after all: pass on what was held, then
			 * look at c afresh (it may start a mark). */
			w += give_back(m, out + w);
			r = step(m, c);
		}
		if (r == 0) {
			out[w++] = c;
		} else if (r == 1) {
			if (m->nheld >= MARK_PREFIX_LEN)
				m->value = m->value * 10 + (unsigned)(c - '0');
			m->held[m->nheld++] = c;
		} else {
			m->seen = true;
			m->status = (int)m->value;
			m->nheld = 0;
			m->value = 0;
		}
	}
	return w;
}

size_t mark_flush(struct mark_filter *m, uint8_t *out)
{
	return give_back(m, out);
}
