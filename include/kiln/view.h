/*
 * kiln/view.h - bounds-checked views over outside data.
 *
 * Every parser of frames, packets, requests, manifests or images reads its
 * input through a view: a pointer and a length that only these helpers
 * advance. A read past the end fails (returns false) and leaves the view
 * marked bad, so a parser can do a run of reads and check once.
 * Multi-byte reads are big-endian (network order) unless named _le.
 */
#ifndef KILN_VIEW_H
#define KILN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kiln_view {
	const uint8_t *p; /* next unread byte */
	size_t len;       /* bytes left */
	bool bad;         /* a read failed: the view is empty and stays bad */
};

static inline struct kiln_view kiln_view_make(const void *p, size_t len)
{
	struct kiln_view v = {(const uint8_t *)p, len, false};
	return v;
}

static inline bool kiln_view_fail(struct kiln_view *v)
{
	v->p += v->len;
	v->len = 0;
	v->bad = true;
	return false;
}

static inline bool kiln_view_has(const struct kiln_view *v, size_t n)
{
	return !v->bad && v->len >= n;
}

static inline bool kiln_view_skip(struct kiln_view *v, size_t n)
{
	if (!kiln_view_has(v, n))
		return kiln_view_fail(v);
	v->p += n;
	v->len -= n;
	return true;
}

static inline bool kiln_view_u8(struct kiln_view *v, uint8_t *out)
{
	if (!kiln_view_has(v, 1))
		return kiln_view_fail(v);
	*out = v->p[0];
	v->p++;
	v->len--;
	return true;
}

static inline bool kiln_view_u16(struct kiln_view *v, uint16_t *out)
{
	if (!kiln_view_has(v, 2))
		return kiln_view_fail(v);
	*out = (uint16_t)((uint16_t)v->p[0] << 8 | v->p[1]);
	v->p += 2;
	v->len -= 2;
	return true;
}

static inline bool kiln_view_u32(struct kiln_view *v, uint32_t *out)
{
	if (!kiln_view_has(v, 4))
		return kiln_view_fail(v);
	*out = (uint32_t)v->p[0] << 24 | (uint32_t)v->p[1] << 16 |
	       (uint32_t)v->p[2] << 8 | v->p[3];
	v->p += 4;
	v->len -= 4;
	return true;
}

static inline bool kiln_view_u16_le(struct kiln_view *v, uint16_t *out)
{
	if (!kiln_view_has(v, 2))
		return kiln_view_fail(v);
	*out = (uint16_t)(v->p[0] | (uint16_t)v->p[1] << 8);
	v->p += 2;
	v->len -= 2;
	return true;
}

static inline bool kiln_view_u32_le(struct kiln_view *v, uint32_t *out)
{
	if (!kiln_view_has(v, 4))
		return kiln_view_fail(v);
	*out = v->p[0] | (uint32_t)v->p[1] << 8 | (uint32_t)v->p[2] << 16 |
	       (uint32_t)v->p[3] << 24;
	v->p += 4;
	v->len -= 4;
	return true;
}

static inline bool kiln_view_u64_le(struct kiln_view *v, uint64_t *out)
{
	uint32_t lo, hi;
	if (!kiln_view_u32_le(v, &lo) || !kiln_view_u32_le(v, &hi))
		return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}

/* Copy n bytes out. */
static inline bool kiln_view_copy(struct kiln_view *v, void *out, size_t n)
{
	if (!kiln_view_has(v, n))
		return kiln_view_fail(v);
	for (size_t i = 0; i < n; i++)
		((uint8_t *)out)[i] = v->p[i];
	v->p += n;
	v->len -= n;
	return true;
}

/* Split off the next n bytes as their own view (and advance past them). */
static inline bool kiln_view_take(struct kiln_view *v, size_t n,
                                  struct kiln_view *out)
{
	if (!kiln_view_has(v, n)) {
		*out = kiln_view_make(NULL, 0);
		out->bad = true;
		return kiln_view_fail(v);
	}
	*out = kiln_view_make(v->p, n);
	v->p += n;
	v->len -= n;
	return true;
}

/* A sub-view of n bytes at offset off, without advancing v. */
static inline bool kiln_view_sub(const struct kiln_view *v, size_t off,
                                 size_t n, struct kiln_view *out)
{
	if (v->bad || off > v->len || n > v->len - off) {
		*out = kiln_view_make(NULL, 0);
		out->bad = true;
		return false;
	}
	*out = kiln_view_make(v->p + off, n);
	return true;
}

/* Peek at byte i without advancing; -1 if out of range. */
static inline int kiln_view_peek(const struct kiln_view *v, size_t i)
{
	return (!v->bad && i < v->len) ? v->p[i] : -1;
}

#endif /* KILN_VIEW_H */
