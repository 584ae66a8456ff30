/*
 * tool/util.c - helpers shared by kiln's parts (see util.h).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Noreturn void die(int status, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("kiln: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

_Noreturn void die_raw(int status, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die(EXIT_BUILD, "out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die(EXIT_BUILD, "out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die(EXIT_BUILD, "out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		die(EXIT_BUILD, "out of memory");
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void sv_push_own(struct strvec *sv, char *s)
{
	if (sv->n + 1 >= sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void sv_push(struct strvec *sv, const char *s)
{
	sv_push_own(sv, xstrdup(s));
}

void sv_pushf(struct strvec *sv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sv_push_own(sv, xvasprintf(fmt, ap));
	va_end(ap);
}

void sv_append(struct strvec *dst, const struct strvec *src)
{
	for (size_t i = 0; i < src->n; i++)
		sv_push(dst, src->v[i]);
}

bool sv_contains(const struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void sv_free(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Characters that never need quoting in a shell word. */
static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
		            "YZ"
		            "0123456789-_=+,./:@%^",
		            *s))
			return false;
	return true;
}

char *sv_join_shell(const struct strvec *sv)
{
	size_t cap = 1;
	for (size_t i = 0; i < sv->n; i++)
		cap += 4 * strlen(sv->v[i]) + 3;
	char *out = xmalloc(cap), *o = out;
	for (size_t i = 0; i < sv->n; i++) {
		const char *w = sv->v[i];
		if (i)
			*o++ = ' ';
		if (shell_safe(w)) {
			size_t l = strlen(w);
			memcpy(o, w, l);
			o += l;
			continue;
		}
		/* 'it'\''s' */
		*o++ = '\'';
		for (; *w; w++) {
			if (*w == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else {
				*o++ = *w;
			}
		}
		*o++ = '\'';
	}
	*o = '\0';
	return out;
}

char *read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(buf);
				close(fd);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

bool write_file(const char *path, const void *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(tmp);
		return false;
	}
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(tmp);
			free(tmp);
			return false;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		free(tmp);
		return false;
	}
	free(tmp);
	return true;
}

void xmkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			die(EXIT_BUILD, "cannot create %s: %s", p,
			    strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		die(EXIT_BUILD, "cannot create %s: %s", p, strerror(errno));
	free(p);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

bool remove_tree(const char *path)
{
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool file_mtime(const char *path, struct timespec *t)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	*t = st.st_mtim;
	return true;
}

bool time_after(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec > b->tv_sec;
	return a->tv_nsec > b->tv_nsec;
}

char *path_join(const char *dir, const char *name)
{
	if (name[0] == '/')
		return xstrdup(name);
	size_t l = strlen(dir);
	if (l > 0 && dir[l - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

char *xrealpath(const char *path)
{
	char *r = realpath(path, NULL);
	if (!r)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	return r;
}

static char *display_cwd;
static char *display_root;

void display_set_root(const char *root)
{
	char buf[PATH_MAX];
	free(display_cwd);
	free(display_root);
	display_cwd = getcwd(buf, sizeof(buf)) ? xstrdup(buf) : NULL;
	display_root = root ? xstrdup(root) : NULL;
}

/* The part of path under dir, or NULL. */
static const char *under(const char *path, const char *dir)
{
	if (!dir)
		return NULL;
	size_t l = strlen(dir);
	if (strncmp(path, dir, l) != 0 || path[l] != '/' || path[l + 1] == '\0')
		return NULL;
	return path + l + 1;
}

const char *display_path(const char *path)
{
	const char *rel = under(path, display_cwd);
	if (!rel)
		rel = under(path, display_root);
	return rel ? rel : path;
}

void sb_add(struct strbuf *b, const char *s)
{
	size_t l = strlen(s);
	if (b->n + l + 1 > b->cap) {
		b->cap = (b->n + l + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, l + 1);
	b->n += l;
}

void sb_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		die(EXIT_BUILD, "%s", "out of memory");
	va_end(ap);
	sb_add(b, s);
	free(s);
}
