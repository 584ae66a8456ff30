/*
 * Unit tests of kiln's two parsers of outside bytes: descriptors
 * (tool/desc.c) and compiler dependency files (tool/depfile.c).
 * Built and run by test-parsers.sh under ASan and UBSan.
 */
#include "../../tool/depfile.h"
#include "../../tool/desc.h"

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond) {                                                    \
			printf("PASS: %s\n", name);                            \
		} else {                                                       \
			printf("FAIL: %s: %s (line %d)\n", name, #cond,        \
			       __LINE__);                                      \
			failures++;                                            \
		}                                                              \
	} while (0)

static const struct desc_key schema[] = {
        {"name", DESC_REQUIRED | DESC_NAME},
        {"sources", DESC_REQUIRED | DESC_NONEMPTY},
        {"cflags", 0},
        {"strip", DESC_YESNO},
        {NULL, 0},
};

static char err[256];

static bool parse(struct desc *d, const char *text)
{
	return desc_parse(d, "a/kiln.app", text, strlen(text), schema, err,
	                  sizeof(err));
}

/* Parse text, expect failure with exactly message; free. */
static bool fails_with(const char *text, const char *message)
{
	struct desc d;
	bool ok = parse(&d, text);
	desc_free(&d);
	if (!ok && strcmp(err, message) != 0)
		printf("  got: %s\n", err);
	return !ok && strcmp(err, message) == 0;
}

static void test_desc(void)
{
	struct desc d;
	bool ok = parse(&d, "# header\n"
	                    "name = hello   # trailing comment\n"
	                    "\n"
	                    "  sources\t=  main.c   src/*.c\r\n"
	                    "cflags=-DX=1 -I{root}/x\n"
	                    "strip = yes");
	CHECK("desc: parses", ok);
	const struct desc_field *f = desc_get(&d, "sources");
	CHECK("desc: words split on blanks",
	      f && f->nwords == 2 && strcmp(f->words[0], "main.c") == 0 &&
	              strcmp(f->words[1], "src/*.c") == 0 && f->line == 4);
	f = desc_get(&d, "cflags");
	CHECK("desc: '=' inside words, no blank after the key",
	      f && f->nwords == 2 && strcmp(f->words[0], "-DX=1") == 0);
	CHECK("desc: comment after a value",
	      strcmp(desc_word(&d, "name", ""), "hello") == 0);
	CHECK("desc: yes/no", desc_yes(&d, "strip", false));
	CHECK("desc: absent key", desc_get(&d, "libraries") == NULL &&
	                                  desc_word(&d, "x", NULL) == NULL);
	desc_free(&d);

	ok = parse(&d, "name = x\nsources = a.c\ncflags =\n");
	f = desc_get(&d, "cflags");
	CHECK("desc: empty value", ok && f && f->nwords == 0);
	desc_free(&d);

	CHECK("desc: unknown key",
	      fails_with("name = x\nlibs = a\n",
	                 "a/kiln.app:2: unknown key 'libs'"));
	CHECK("desc: unknown key, a typo",
	      fails_with("name = x\nsource = a.c\n",
	                 "a/kiln.app:2: unknown key 'source' (did you mean "
	                 "'sources'?)"));
	CHECK("desc: duplicate key",
	      fails_with("name = x\nsources = a\nname = y\n",
	                 "a/kiln.app:3: duplicate key 'name' (first set on "
	                 "line 1)"));
	CHECK("desc: missing key",
	      fails_with("name = x\n",
	                 "a/kiln.app:1: missing required key 'sources'"));
	CHECK("desc: bad name",
	      fails_with("name = 9lives\nsources = a\n",
	                 "a/kiln.app:1: bad name '9lives': use "
	                 "[a-z][a-z0-9_-]*, at most 64 characters"));
	CHECK("desc: name too long",
	      fails_with(
	              "name = "
	              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	              "aaaaaaaaaaaaaaaaaaaaaaaaaa\nsources = a\n",
	              "a/kiln.app:1: bad name "
	              "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	              "aaaaaaaaaaaaaaaaaaaaaaaaaa': use [a-z][a-z0-9_-]*, "
	              "at most 64 characters"));
	CHECK("desc: empty required list",
	      fails_with("name = x\nsources =\n",
	                 "a/kiln.app:2: 'sources' needs a value"));
	CHECK("desc: yes or no",
	      fails_with("name = x\nsources = a\nstrip = 1\n",
	                 "a/kiln.app:3: 'strip' must be yes or no, not '1'"));
	CHECK("desc: no '='",
	      fails_with("name x\n",
	                 "a/kiln.app:1: expected '=' after 'name'"));
	CHECK("desc: no key",
	      fails_with("= x\n", "a/kiln.app:1: expected 'key = value'"));
	CHECK("desc: bad key",
	      fails_with("Name = x\n", "a/kiln.app:1: bad key 'Name': keys are "
	                               "[a-z][a-z0-9_]*"));
	CHECK("desc: NUL byte",
	      !desc_parse(&d, "f", "name = a\0b\n", 11, schema, err,
	                  sizeof(err)) &&
	              strcmp(err, "f:1: control character 0x00 in the "
	                          "file") == 0);
	desc_free(&d);

	/* A tiny error buffer is still terminated. */
	char small[8];
	ok = desc_parse(&d, "long-file-name", "x", 1, schema, small,
	                sizeof(small));
	CHECK("desc: short error buffer",
	      !ok && strlen(small) == 7 && memcmp(small, "long-fi", 7) == 0);
	desc_free(&d);

	CHECK("desc: names",
	      desc_valid_name("a") && desc_valid_name("a-b_9") &&
	              !desc_valid_name("") && !desc_valid_name("A") &&
	              !desc_valid_name("-a") && !desc_valid_name("a.b"));
}

struct collected {
	char paths[8][64];
	int n;
};

static bool collect(void *ctx, const char *path)
{
	struct collected *c = ctx;
	if (c->n < 8)
		snprintf(c->paths[c->n], sizeof(c->paths[0]), "%s", path);
	c->n++;
	return true;
}

static bool stop_at_two(void *ctx, const char *path)
{
	(void)path;
	return ++*(int *)ctx < 2;
}

static void test_depfile(void)
{
	const char *text = "/o/x.o: /s/x.c /i/a.h \\\n"
	                   " /i/with\\ space.h /i/$$d.h\n"
	                   "\n"
	                   "/i/a.h:\n"
	                   "\n"
	                   "/i/with\\ space.h:\n";
	struct collected c = {0};
	enum depfile_result r = depfile_parse(text, strlen(text), collect, &c);
	CHECK("depfile: parses", r == DEPFILE_OK && c.n == 4);
	CHECK("depfile: prerequisites in order, targets skipped",
	      strcmp(c.paths[0], "/s/x.c") == 0 &&
	              strcmp(c.paths[1], "/i/a.h") == 0);
	CHECK("depfile: escapes undone",
	      strcmp(c.paths[2], "/i/with space.h") == 0 &&
	              strcmp(c.paths[3], "/i/$d.h") == 0);

	int n = 0;
	r = depfile_parse(text, strlen(text), stop_at_two, &n);
	CHECK("depfile: callback stops", r == DEPFILE_STOPPED && n == 2);

	c.n = 0;
	r = depfile_parse("x.o y.o\n", 8, collect, &c);
	CHECK("depfile: rule without ':'", r == DEPFILE_MALFORMED);
	r = depfile_parse("", 0, collect, &c);
	CHECK("depfile: empty", r == DEPFILE_OK && c.n == 0);

	static char big[DEPFILE_PATH_MAX + 16];
	memset(big, 'a', sizeof(big));
	memcpy(big, "x.o: ", 5);
	r = depfile_parse(big, sizeof(big), collect, &c);
	CHECK("depfile: overlong path", r == DEPFILE_MALFORMED);
}

int main(void)
{
	test_desc();
	test_depfile();
	return failures ? 1 : 0;
}
