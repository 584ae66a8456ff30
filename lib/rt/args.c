/*
 * args.c - boot arguments: split once at start, claimed by whoever
 * understands them, and the rest rejected by kiln_args_check().
 */
#include "rt_internal.h"

#include <stdlib.h>
#include <string.h>

struct word {
	const char *text;
	bool claimed;
	/* Why the word was seen but not claimed (e.g. a flag with a value);
	 * NULL: nobody knew it. */
	const char *problem;
};

static struct word *words;
static int nwords;
static char **argv; /* the app's copy: argv[0] is the app's name */
/* The two copies of the command line the words point into. */
static char *mine, *theirs;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Count the words of s; when out is not NULL, also split s in place
 * (white space becomes NULs) and point out[] at the words. */
static int split(char *s, char **out)
{
	int n = 0;
	while (*s) {
		while (is_space(*s)) {
			if (out)
				*s = '\0';
			s++;
		}
		if (*s == '\0')
			break;
		if (out)
			out[n] = s;
		n++;
		while (*s && !is_space(*s))
			s++;
	}
	return n;
}

bool rt_args_init(const char *app_name, const char *cmdline)
{
	size_t len = strlen(cmdline) + 1;
	mine = malloc(len);
	theirs = malloc(len);
	if (mine == NULL || theirs == NULL)
		goto nomem;
	memcpy(mine, cmdline, len);
	memcpy(theirs, cmdline, len);
	nwords = split(theirs, NULL);
	words = calloc((size_t)nwords + 1, sizeof(*words));
	argv = calloc((size_t)nwords + 2, sizeof(*argv));
	if (words == NULL || argv == NULL)
		goto nomem;
	argv[0] = (char *)app_name;
	split(theirs, argv + 1);
	char **tmp = calloc((size_t)nwords + 1, sizeof(*tmp));
	if (tmp == NULL)
		goto nomem;
	split(mine, tmp);
	for (int i = 0; i < nwords; i++)
		words[i].text = tmp[i];
	free(tmp);
	return true;
nomem:
	rt_args_reset();
	return false;
}

void rt_args_reset(void)
{
	free(mine);
	free(theirs);
	free(words);
	free(argv);
	words = NULL;
	argv = NULL;
	mine = theirs = NULL;
	nwords = 0;
}

int rt_args_argc(void)
{
	return nwords + 1;
}

char **rt_args_argv(void)
{
	return argv;
}

static bool is_option(const char *w)
{
	return w[0] == '-' && w[1] == '-';
}

/* If w is the option name (as "--name" or "--name=..."), the character
 * after the name ('\0' or '='); else -1. */
static int match(const char *w, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(w, name, n) != 0)
		return -1;
	if (w[n] == '\0' || w[n] == '=')
		return w[n];
	return -1;
}

bool kiln_arg_flag(const char *name)
{
	bool found = false;
	for (int i = 0; i < nwords; i++) {
		int c = match(words[i].text, name);
		if (c == '\0') {
			words[i].claimed = true;
			found = true;
		} else if (c == '=' && !words[i].claimed) {
			words[i].problem = "is a flag and takes no value";
		}
	}
	return found;
}

const char *kiln_arg_string(const char *name)
{
	const char *value = NULL;
	size_t n = strlen(name);
	for (int i = 0; i < nwords; i++) {
		int c = match(words[i].text, name);
		if (c == '=') {
			words[i].claimed = true;
			words[i].problem = NULL;
			value = words[i].text + n + 1;
		} else if (c == '\0' && !words[i].claimed) {
			words[i].problem = "needs a value (give it with =)";
		}
	}
	return value;
}

/* Decimal or 0x hexadecimal, nothing else, no overflow. */
static bool parse_uint(const char *s, uint64_t *out)
{
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

bool kiln_arg_uint(const char *name, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = kiln_arg_string(name);
	if (s == NULL)
		return true;
	uint64_t v;
	if (!parse_uint(s, &v) || v < min || v > max) {
		kiln_printf("boot argument %s: '%s' is not a number in [%llu, "
		            "%llu]\n",
		            name, s, (unsigned long long)min,
		            (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

const char *kiln_arg_word(unsigned i)
{
	for (int w = 0; w < nwords; w++) {
		if (is_option(words[w].text))
			continue;
		if (i-- == 0) {
			words[w].claimed = true;
			return words[w].text;
		}
	}
	return NULL;
}

void kiln_args_check(void)
{
	bool bad = false;
	for (int i = 0; i < nwords; i++) {
		if (words[i].claimed)
			continue;
		bad = true;
		if (words[i].problem)
			kiln_printf("boot argument %s: %s\n", words[i].text,
			            words[i].problem);
		else
			kiln_printf("unknown boot argument: %s\n",
			            words[i].text);
	}
	if (bad)
		kiln_exit(2);
}
