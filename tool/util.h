/*
 * tool/util.h - small helpers shared by kiln's parts: growing string
 * vectors, formatted strings, fatal errors, files and paths.
 *
 * kiln is a short-lived host program: helpers named x... never return on
 * failure (they print a message and exit), so callers need not check.
 */
#ifndef KILN_TOOL_UTIL_H
#define KILN_TOOL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Exit statuses of kiln itself. */
#define EXIT_BUILD 1 /* the build (compiler, prebuild, link) failed */
#define EXIT_USAGE 2 /* a mistake in the command line or a descriptor */

/* A growing vector of owned strings, always NULL-terminated (v[n]). */
struct strvec {
	char **v;
	size_t n;
	size_t cap;
};

void sv_push(struct strvec *sv, const char *s);
void sv_push_own(struct strvec *sv, char *s);
void sv_pushf(struct strvec *sv, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void sv_append(struct strvec *dst, const struct strvec *src);
bool sv_contains(const struct strvec *sv, const char *s);
void sv_free(struct strvec *sv);
/* The words joined by spaces, each quoted for the shell if it needs it:
 * the form in which kiln records and shows commands. */
char *sv_join_shell(const struct strvec *sv);

/* A growing string (s NULL until something is added). */
struct strbuf {
	char *s;
	size_t n, cap;
};
void sb_add(struct strbuf *b, const char *s);
void sb_addf(struct strbuf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "kiln: message" on stderr and exit with status. */
_Noreturn void die(int status, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Print the message as it is (it already names FILE:LINE) and exit. */
_Noreturn void die_raw(int status, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Read a whole file (at most max bytes). NULL with errno set on failure;
 * errno EFBIG when the file is larger than max. */
char *read_file(const char *path, size_t max, size_t *len);
/* Write data to path through a temporary file and rename. */
bool write_file(const char *path, const void *data, size_t len);
/* Create a folder and its parents; dies on failure. */
void xmkdir_p(const char *path);
/* Remove a file tree; false (errno set) on failure. */
bool remove_tree(const char *path);

bool is_dir(const char *path);
bool is_file(const char *path);
/* Modification time of path; false if it cannot be stat'ed. */
bool file_mtime(const char *path, struct timespec *t);
/* a later than b. */
bool time_after(const struct timespec *a, const struct timespec *b);

/* dir + "/" + name (name returned as is when absolute). */
char *path_join(const char *dir, const char *name);
/* The absolute, symlink-free form of an existing path; dies if missing. */
char *xrealpath(const char *path);
/* A path for messages: relative to the working folder when under it,
 * else relative to the Kiln tree when under it, else as given. */
const char *display_path(const char *path);
/* Set the folders display_path() shortens against. */
void display_set_root(const char *root);

#endif /* KILN_TOOL_UTIL_H */
