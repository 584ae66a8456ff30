/* lib/http/token.h - character classes and small view helpers shared by
 * the request and response parsers (RFC 9110 5.6). */
#ifndef KILN_HTTP_TOKEN_H
#define KILN_HTTP_TOKEN_H

#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* tchar: the characters of a token. */
static inline bool http_is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	switch (c) {
	case '!':
	case '#':
	case '$':
	case '%':
	case '&':
	case '\'':
	case '*':
	case '+':
	case '-':
	case '.':
	case '^':
	case '_':
	case '`':
	case '|':
	case '~':
		return true;
	default:
		return false;
	}
}

static inline uint8_t http_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Does v equal the NUL-terminated s, ignoring ASCII case? */
static inline bool http_view_ieq(struct kiln_view v, const char *s)
{
	size_t i = 0;
	for (; s[i] != '\0'; i++)
		if (i >= v.len ||
		    http_lower(v.p[i]) != http_lower((uint8_t)s[i]))
			return false;
	return i == v.len;
}

/* Drop spaces and tabs at both ends. */
static inline struct kiln_view http_trim(struct kiln_view v)
{
	while (v.len > 0 && (v.p[0] == ' ' || v.p[0] == '\t')) {
		v.p++;
		v.len--;
	}
	while (v.len > 0 && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
		v.len--;
	return v;
}

/*
 * Split the next element off a comma-separated list (RFC 9110 5.6.1):
 * *elem gets it, trimmed; empty elements are skipped. Returns false at the
 * end of the list.
 */
static inline bool http_list_next(struct kiln_view *list,
                                  struct kiln_view *elem)
{
	while (list->len > 0) {
		size_t i = 0;
		while (i < list->len && list->p[i] != ',')
			i++;
		struct kiln_view e = kiln_view_make(list->p, i);
		kiln_view_skip(list, i < list->len ? i + 1 : i);
		e = http_trim(e);
		if (e.len > 0) {
			*elem = e;
			return true;
		}
	}
	return false;
}

/* Split off the next line ending in CRLF (without it); false if none. */
static inline bool http_next_line(struct kiln_view *v, struct kiln_view *line)
{
	for (size_t i = 0; i + 1 < v->len; i++) {
		if (v->p[i] == '\r' && v->p[i + 1] == '\n') {
			kiln_view_take(v, i, line);
			kiln_view_skip(v, 2);
			return true;
		}
	}
	return false;
}

/* A decimal number of up to 18 digits (no sign, no space); false for
 * anything else, so it cannot overflow. */
static inline bool http_parse_decimal(struct kiln_view v, uint64_t *out)
{
	if (v.len == 0 || v.len > 18)
		return false;
	uint64_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = n;
	return true;
}

#endif
