/*
 * tool/depfile.c - the dependency file reader (see depfile.h).
 *
 * A rule is "TARGET...: PREREQ..." up to an unescaped newline. Words are
 * separated by blanks or by backslash-newline. In the targets part an
 * unescaped ':' ends the targets; a rule that reaches its end without one
 * is malformed (unless it is empty).
 */
#include "depfile.h"

#include <kiln/view.h>

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

enum depfile_result depfile_parse(const void *data, size_t len,
                                  bool (*fn)(void *ctx, const char *path),
                                  void *ctx)
{
	struct kiln_view v = kiln_view_make(len ? data : "", len);
	char word[DEPFILE_PATH_MAX + 1];
	size_t wlen = 0;
	bool in_targets = true; /* before the rule's ':' */
	bool rule_has_words = false;

	for (;;) {
		int c = kiln_view_peek(&v, 0);
		int next = kiln_view_peek(&v, 1);
		bool end_word = false, end_rule = false, colon = false;

		if (c < 0) {
			end_word = end_rule = true;
		} else if (c == '\\' && next == '\n') {
			kiln_view_skip(&v, 2);
			end_word = true;
		} else if (c == '\\' && next == '\r' &&
		           kiln_view_peek(&v, 2) == '\n') {
			kiln_view_skip(&v, 3);
			end_word = true;
		} else if (c == '\\' && (next == ' ' || next == '#' ||
		                         next == '\\' || next == ':')) {
			if (wlen == DEPFILE_PATH_MAX)
				return DEPFILE_MALFORMED;
			word[wlen++] = (char)next;
			kiln_view_skip(&v, 2);
			continue;
		} else if (c == '$' && next == '$') {
			if (wlen == DEPFILE_PATH_MAX)
				return DEPFILE_MALFORMED;
			word[wlen++] = '$';
			kiln_view_skip(&v, 2);
			continue;
		} else if (c == '\n') {
			kiln_view_skip(&v, 1);
			end_word = end_rule = true;
		} else if (is_blank(c)) {
			kiln_view_skip(&v, 1);
			end_word = true;
		} else if (c == ':' && in_targets) {
			kiln_view_skip(&v, 1);
			end_word = colon = true;
		} else if (c == 0) {
			return DEPFILE_MALFORMED;
		} else {
			if (wlen == DEPFILE_PATH_MAX)
				return DEPFILE_MALFORMED;
			word[wlen++] = (char)c;
			kiln_view_skip(&v, 1);
			continue;
		}

		if (end_word && wlen > 0) {
			word[wlen] = '\0';
			rule_has_words = true;
			if (!in_targets && !fn(ctx, word))
				return DEPFILE_STOPPED;
			wlen = 0;
		}
		if (colon)
			in_targets = false;
		if (end_rule) {
			if (in_targets && rule_has_words)
				return DEPFILE_MALFORMED;
			in_targets = true;
			rule_has_words = false;
			if (c < 0)
				return DEPFILE_OK;
		}
	}
}
