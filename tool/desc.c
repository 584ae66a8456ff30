/*
 * tool/desc.c - the descriptor parser (see desc.h).
 *
 * The input is split into lines; a '#' anywhere starts a comment running
 * to the end of its line. A remaining non-blank line must read
 *     KEY = WORD WORD ...
 * with KEY made of [a-z0-9_] (starting with a letter). Words are runs of
 * bytes other than blanks; control characters are refused so that every
 * word can be printed safely in a message.
 */
#include "desc.h"

#include <kiln/view.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64

struct parser {
	struct desc *d;
	const struct desc_key *schema;
	char *err;
	size_t errlen;
	unsigned line;
};

static bool fail(struct parser *p, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static bool fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	if (p->errlen == 0)
		return false;
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->d->file, line);
	if (n < 0)
		n = 0;
	if ((size_t)n < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_control(int c)
{
	return (c >= 0 && c < 0x20 && !is_blank(c)) || c == 0x7f;
}

static bool is_key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool desc_valid_name(const char *s)
{
	size_t n = 0;
	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return n <= DESC_NAME_MAX;
}

static const struct desc_key *schema_find(const struct desc_key *schema,
                                          const char *key)
{
	for (; schema->name; schema++)
		if (strcmp(schema->name, key) == 0)
			return schema;
	return NULL;
}

/* Edit distance between two keys (at most KEY_MAX long), for "did you
 * mean". Classic dynamic programming over one row. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[KEY_MAX + 1];
	if (la > KEY_MAX || lb > KEY_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The schema's key closest to key, if it is close enough to be a typo. */
static const char *closest_key(const struct desc_key *schema, const char *key)
{
	const char *best = NULL;
	size_t best_d = 3; /* at most two edits */
	for (; schema->name; schema++) {
		size_t d = distance(key, schema->name);
		if (d < best_d) {
			best_d = d;
			best = schema->name;
		}
	}
	return best;
}

const struct desc_field *desc_get(const struct desc *d, const char *key)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (strcmp(d->fields[i].key, key) == 0)
			return &d->fields[i];
	return NULL;
}

const char *desc_word(const struct desc *d, const char *key, const char *dflt)
{
	const struct desc_field *f = desc_get(d, key);
	return f && f->nwords > 0 ? f->words[0] : dflt;
}

bool desc_yes(const struct desc *d, const char *key, bool dflt)
{
	const char *w = desc_word(d, key, NULL);
	return w ? strcmp(w, "yes") == 0 : dflt;
}

/* Skip blanks at the front of v. */
static void skip_blanks(struct kiln_view *v)
{
	while (is_blank(kiln_view_peek(v, 0)))
		kiln_view_skip(v, 1);
}

/* Length of the run of non-blank bytes at the front of v. */
static size_t word_len(const struct kiln_view *v)
{
	size_t n = 0;
	int c;
	while ((c = kiln_view_peek(v, n)) >= 0 && !is_blank(c) && c != '=')
		n++;
	return n;
}

/* Check one field's words against what the schema says about its key. */
static bool check_words(struct parser *p, const struct desc_field *f,
                        unsigned flags)
{
	bool single = flags & (DESC_SINGLE | DESC_NAME | DESC_YESNO);
	if (single && f->nwords != 1)
		return fail(p, f->line, "'%s' takes exactly one word, not %zu",
		            f->key, f->nwords);
	if ((flags & DESC_NONEMPTY) && f->nwords == 0)
		return fail(p, f->line, "'%s' needs a value", f->key);
	if ((flags & DESC_NAME) && !desc_valid_name(f->words[0]))
		return fail(p, f->line,
		            "bad name '%s': use [a-z][a-z0-9_-]*, at most %d "
		            "characters",
		            f->words[0], DESC_NAME_MAX);
	if ((flags & DESC_YESNO) && strcmp(f->words[0], "yes") != 0 &&
	    strcmp(f->words[0], "no") != 0)
		return fail(p, f->line, "'%s' must be yes or no, not '%s'",
		            f->key, f->words[0]);
	return true;
}

static bool oom(struct parser *p)
{
	return fail(p, p->line, "out of memory");
}

/* Parse one line (without its newline). */
static bool parse_line(struct parser *p, struct kiln_view line)
{
	/* Cut the comment off, and refuse control characters. */
	size_t end = 0;
	int c;
	while ((c = kiln_view_peek(&line, end)) >= 0 && c != '#') {
		if (is_control(c))
			return fail(p, p->line,
			            "control character 0x%02x in the file", c);
		end++;
	}
	struct kiln_view v;
	kiln_view_sub(&line, 0, end, &v);

	skip_blanks(&v);
	if (v.len == 0)
		return true; /* blank or comment only */

	size_t klen = word_len(&v);
	if (klen == 0)
		return fail(p, p->line, "expected 'key = value'");
	if (klen > KEY_MAX)
		return fail(p, p->line, "key too long");
	char key[KEY_MAX + 1];
	kiln_view_copy(&v, key, klen);
	key[klen] = '\0';
	for (size_t i = 0; i < klen; i++) {
		if (!is_key_char(key[i]) || !(key[0] >= 'a' && key[0] <= 'z'))
			return fail(p, p->line,
			            "bad key '%s': keys are [a-z][a-z0-9_]*",
			            key);
	}
	skip_blanks(&v);
	if (kiln_view_peek(&v, 0) != '=')
		return fail(p, p->line, "expected '=' after '%s'", key);
	kiln_view_skip(&v, 1);

	const struct desc_key *k = NULL;
	if (p->schema) {
		k = schema_find(p->schema, key);
		if (!k) {
			const char *near = closest_key(p->schema, key);
			if (near)
				return fail(
				        p, p->line,
				        "unknown key '%s' (did you mean '%s'?)",
				        key, near);
			return fail(p, p->line, "unknown key '%s'", key);
		}
	}
	const struct desc_field *prev = desc_get(p->d, key);
	if (prev)
		return fail(p, p->line,
		            "duplicate key '%s' (first set on line %u)", key,
		            prev->line);

	struct desc *d = p->d;
	struct desc_field *fields =
	        realloc(d->fields, (d->nfields + 1) * sizeof(*fields));
	if (!fields)
		return oom(p);
	d->fields = fields;
	struct desc_field *f = &fields[d->nfields];
	memset(f, 0, sizeof(*f));
	f->line = p->line;
	f->key = strdup(key);
	if (!f->key)
		return oom(p);
	d->nfields++;

	for (;;) {
		skip_blanks(&v);
		if (v.len == 0)
			break;
		/* '=' is part of a word here (e.g. -DX=1): take up to a blank.
		 */
		size_t n = 0;
		while ((c = kiln_view_peek(&v, n)) >= 0 && !is_blank(c))
			n++;
		char **words =
		        realloc(f->words, (f->nwords + 1) * sizeof(char *));
		if (!words)
			return oom(p);
		f->words = words;
		char *w = malloc(n + 1);
		if (!w)
			return oom(p);
		kiln_view_copy(&v, w, n);
		w[n] = '\0';
		f->words[f->nwords++] = w;
	}
	return k ? check_words(p, f, k->flags) : true;
}

bool desc_parse(struct desc *d, const char *file, const void *data, size_t len,
                const struct desc_key *schema, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (errlen > 0)
		err[0] = '\0';
	struct parser p = {d, schema, err, errlen, 0};
	d->file = strdup(file);
	if (!d->file) {
		if (errlen > 0)
			snprintf(err, errlen, "%s: out of memory", file);
		return false;
	}

	struct kiln_view all = kiln_view_make(len ? data : "", len);
	bool ok = true;
	while (ok && all.len > 0) {
		p.line++;
		size_t n = 0;
		int c;
		while ((c = kiln_view_peek(&all, n)) >= 0 && c != '\n')
			n++;
		struct kiln_view line;
		kiln_view_take(&all, n, &line);
		if (all.len > 0)
			kiln_view_skip(&all, 1); /* the newline */
		ok = parse_line(&p, line);
	}
	for (const struct desc_key *k = schema; ok && k && k->name; k++)
		if ((k->flags & DESC_REQUIRED) && !desc_get(d, k->name))
			ok = fail(&p, 1, "missing required key '%s'", k->name);
	if (!ok) {
		char *f = d->file;
		d->file = NULL;
		desc_free(d);
		d->file = f;
	}
	return ok;
}

void desc_free(struct desc *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		struct desc_field *f = &d->fields[i];
		for (size_t j = 0; j < f->nwords; j++)
			free(f->words[j]);
		free(f->words);
		free(f->key);
	}
	free(d->fields);
	free(d->file);
	memset(d, 0, sizeof(*d));
}
