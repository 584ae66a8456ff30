/*
 * tool/desc.h - the parser of kiln's descriptor files (kiln.app, kiln.lib,
 * kiln.target): lines of "key = value words", '#' comments, blank lines.
 *
 * The parser works on the file's bytes through a bounds-checked view. It
 * neither reads files nor exits: a mistake comes back as one message of
 * the form "FILE:LINE: what is wrong", so it can be fuzzed and tested on
 * its own.
 */
#ifndef KILN_TOOL_DESC_H
#define KILN_TOOL_DESC_H

#include <stdbool.h>
#include <stddef.h>

/* What a schema says about one key. */
enum {
	DESC_REQUIRED = 1 << 0, /* must be present */
	DESC_SINGLE = 1 << 1,   /* exactly one word */
	DESC_NAME = 1 << 2,     /* one word matching [a-z][a-z0-9_-]* */
	DESC_YESNO = 1 << 3,    /* one word: yes or no */
	DESC_NONEMPTY = 1 << 4  /* at least one word */
};

struct desc_key {
	const char *name;
	unsigned flags;
};

/* One "key = words" line. */
struct desc_field {
	char *key;
	char **words; /* nwords NUL-terminated strings */
	size_t nwords;
	unsigned line;
};

struct desc {
	char *file; /* as given to desc_parse, for messages */
	struct desc_field *fields;
	size_t nfields;
};

/* Longest accepted name (image, library, target, device). */
#define DESC_NAME_MAX 64

/*
 * Parse len bytes of data (the contents of file) against schema, an array
 * ended by a {NULL, 0} entry (NULL schema: any key is accepted). Returns
 * true and fills *d, or false with a message in err (which always ends up
 * NUL-terminated) and *d empty. Free with desc_free either way.
 */
bool desc_parse(struct desc *d, const char *file, const void *data, size_t len,
                const struct desc_key *schema, char *err, size_t errlen);
void desc_free(struct desc *d);

/* The field for key, or NULL when the file does not set it. */
const struct desc_field *desc_get(const struct desc *d, const char *key);
/* The single word of key, or dflt when the file does not set it. */
const char *desc_word(const struct desc *d, const char *key, const char *dflt);
/* A yes/no key's value (dflt when absent). */
bool desc_yes(const struct desc *d, const char *key, bool dflt);

/* The schemas of kiln.app, kiln.lib and kiln.target (tool/schema.c). */
extern const struct desc_key app_schema[];
extern const struct desc_key lib_schema[];
extern const struct desc_key target_schema[];
/* A host program's NAME.host (tool/host.c). */
extern const struct desc_key host_schema[];

/* [a-z][a-z0-9_-]*, at most DESC_NAME_MAX characters. */
bool desc_valid_name(const char *s);

#endif /* KILN_TOOL_DESC_H */
