/*
 * tool/project.c - load and check the app, its target and its libraries
 * (see project.h and docs/building.md).
 */
#include "project.h"
#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Descriptors are small; anything bigger is not one. */
#define DESC_FILE_MAX (1024 * 1024)

void desc_load(struct desc *d, const char *path, const struct desc_key *schema)
{
	size_t len;
	char *data = read_file(path, DESC_FILE_MAX, &len);
	if (!data)
		die(EXIT_USAGE, "%s: %s", display_path(path),
		    errno == EFBIG ? "too large for a descriptor"
		                   : strerror(errno));
	char err[512];
	if (!desc_parse(d, display_path(path), data, len, schema, err,
	                sizeof(err)))
		die_raw(EXIT_USAGE, "%s", err);
	free(data);
}

/* For qsort over an array of strings. */
static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ------------------------------------------------------------- targets */

void targets_list(const char *root, struct strvec *out)
{
	char *dir = path_join(root, "platform");
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char *f =
			        xasprintf("%s/%s/kiln.target", dir, e->d_name);
			if (is_file(f))
				sv_push(out, e->d_name);
			free(f);
		}
		closedir(d);
	}
	free(dir);
	qsort(out->v, out->n, sizeof(char *), compare_strings);
}

static bool target_exists(const char *root, const char *name)
{
	if (!desc_valid_name(name))
		return false;
	char *f = xasprintf("%s/platform/%s/kiln.target", root, name);
	bool ok = is_file(f);
	free(f);
	return ok;
}

void target_load(struct target *t, const char *root, const char *name)
{
	if (!target_exists(root, name)) {
		struct strvec known = {0};
		targets_list(root, &known);
		char *list = sv_join_shell(&known);
		die(EXIT_USAGE, "unknown target '%s' (targets: %s)", name,
		    known.n ? list : "none");
	}
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	t->dir = xasprintf("%s/platform/%s", root, name);
	t->file = path_join(t->dir, "kiln.target");
	desc_load(&t->desc, t->file, target_schema);
	t->freestanding = desc_yes(&t->desc, "freestanding", false);
}

/* True when KVM can really run a guest here: /dev/kvm opens and a VM can
 * be created (some hosts let the device open but refuse VMs). */
static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	int vm = ioctl(fd, 0xAE01 /* KVM_CREATE_VM */, 0UL);
	if (vm >= 0)
		close(vm);
	close(fd);
	return vm >= 0;
}

const char *default_target(const char *root)
{
	if (target_exists(root, "hvt") && kvm_usable())
		return "hvt";
	return "unix";
}

/* ---------------------------------------------------------- libraries */

struct resolver {
	struct project *p;
	struct library **all; /* every library loaded so far */
	size_t nall;
	const char *stack[256]; /* names being visited, for cycle messages */
	size_t depth;
};

static struct library *lib_find(struct resolver *r, const char *name)
{
	for (size_t i = 0; i < r->nall; i++)
		if (strcmp(r->all[i]->name, name) == 0)
			return r->all[i];
	return NULL;
}

static void lib_visit(struct resolver *r, const char *name, const char *file,
                      unsigned line);

/* Visit the libraries named by key in d (and rt unless d is rt's). */
static void lib_visit_words(struct resolver *r, const struct desc *d,
                            const char *key, const char *file, bool add_rt)
{
	const struct desc_field *f = desc_get(d, key);
	if (add_rt)
		lib_visit(r, "rt", file, f ? f->line : 1);
	for (size_t i = 0; f && i < f->nwords; i++)
		lib_visit(r, f->words[i], file, f->line);
}

static void lib_visit(struct resolver *r, const char *name, const char *file,
                      unsigned line)
{
	struct project *p = r->p;
	if (!desc_valid_name(name))
		die_raw(EXIT_USAGE, "%s:%u: bad library name '%s'",
		        display_path(file), line, name);
	struct library *l = lib_find(r, name);
	if (l && l->mark == 2)
		return;
	if (l && l->mark == 1) {
		/* The cycle is the part of the stack from name on. */
		size_t from = 0;
		while (strcmp(r->stack[from], name) != 0)
			from++;
		struct strvec path = {0};
		for (size_t i = from; i < r->depth; i++)
			sv_push(&path, r->stack[i]);
		sv_push(&path, name);
		char *msg = xstrdup(path.v[0]);
		for (size_t i = 1; i < path.n; i++) {
			char *m = xasprintf("%s -> %s", msg, path.v[i]);
			free(msg);
			msg = m;
		}
		die_raw(EXIT_USAGE, "%s:%u: library cycle: %s",
		        display_path(file), line, msg);
	}
	if (r->depth == sizeof(r->stack) / sizeof(r->stack[0]))
		die_raw(EXIT_USAGE, "%s:%u: libraries nest too deeply",
		        display_path(file), line);

	l = xcalloc(1, sizeof(*l));
	l->name = xstrdup(name);
	l->dir = xasprintf("%s/lib/%s", p->root, name);
	l->file = path_join(l->dir, "kiln.lib");
	if (!is_file(l->file))
		die_raw(EXIT_USAGE, "%s:%u: unknown library '%s' (no %s)",
		        display_path(file), line, name, display_path(l->file));
	desc_load(&l->desc, l->file, lib_schema);
	r->all = xrealloc(r->all, (r->nall + 1) * sizeof(*r->all));
	r->all[r->nall++] = l;

	l->mark = 1;
	r->stack[r->depth++] = l->name;
	lib_visit_words(r, &l->desc, "requires", l->file,
	                strcmp(name, "rt") != 0);
	r->depth--;
	l->mark = 2;

	p->libs = xrealloc(p->libs, (p->nlibs + 1) * sizeof(*p->libs));
	p->libs[p->nlibs++] = l;
}

void project_resolve(struct project *p, const char *key)
{
	struct resolver r = {.p = p};
	lib_visit_words(&r, &p->app, key, p->appfile, false);
	free(r.all);
}

/* ---------------------------------------------------------- app checks */

static void check_devices(const struct project *p)
{
	const struct desc_field *f = desc_get(&p->app, "devices");
	for (size_t i = 0; f && i < f->nwords; i++) {
		const char *w = f->words[i];
		const char *name = NULL;
		if (strncmp(w, "net:", 4) == 0)
			name = w + 4;
		else if (strncmp(w, "block:", 6) == 0)
			name = w + 6;
		if (!name || !desc_valid_name(name))
			die_raw(EXIT_USAGE,
			        "%s:%u: bad device '%s': use net:NAME or "
			        "block:NAME",
			        display_path(p->appfile), f->line, w);
		for (size_t j = 0; j < i; j++)
			if (strcmp(f->words[j], w) == 0)
				die_raw(EXIT_USAGE,
				        "%s:%u: device '%s' listed twice",
				        display_path(p->appfile), f->line, w);
	}
}

static void check_assets(const struct project *p)
{
	const struct desc_field *f = desc_get(&p->app, "assets");
	for (size_t i = 0; f && i < f->nwords; i++) {
		const char *w = f->words[i];
		const char *colon = strchr(w, ':');
		char *dir =
		        colon ? xstrndup(w, (size_t)(colon - w)) : xstrdup(w);
		if (colon && colon[1] != '/')
			die_raw(EXIT_USAGE,
			        "%s:%u: bad asset prefix in '%s': a URL prefix "
			        "starts with '/'",
			        display_path(p->appfile), f->line, w);
		char *full = path_join(p->appdir, dir);
		if (!*dir || !is_dir(full))
			die_raw(EXIT_USAGE,
			        "%s:%u: asset folder '%s' not found",
			        display_path(p->appfile), f->line, dir);
		free(full);
		free(dir);
	}
}

static void check_targets(const struct project *p)
{
	const struct desc_field *f = desc_get(&p->app, "targets");
	bool supported = !f;
	for (size_t i = 0; f && i < f->nwords; i++) {
		if (!target_exists(p->root, f->words[i]))
			die_raw(EXIT_USAGE, "%s:%u: unknown target '%s'",
			        display_path(p->appfile), f->line, f->words[i]);
		if (strcmp(f->words[i], p->target.name) == 0)
			supported = true;
	}
	if (!supported) {
		struct strvec list = {0};
		for (size_t i = 0; i < f->nwords; i++)
			sv_push(&list, f->words[i]);
		die_raw(EXIT_USAGE,
		        "%s:%u: app '%s' does not support target '%s' "
		        "(targets = %s)",
		        display_path(p->appfile), f->line, p->name,
		        p->target.name, sv_join_shell(&list));
	}
}

/* Without -t: the default target, unless the app's targets leave it out;
 * then the first of those. */
static const char *app_default_target(const struct project *p)
{
	const char *t = default_target(p->root);
	const struct desc_field *f = desc_get(&p->app, "targets");
	if (!f)
		return t;
	for (size_t i = 0; i < f->nwords; i++)
		if (strcmp(f->words[i], t) == 0)
			return t;
	return f->words[0];
}

void project_load(struct project *p, const char *root, const char *appdir,
                  const char *target, bool sanitize, const char *tls_dir)
{
	memset(p, 0, sizeof(*p));
	p->root = xstrdup(root);
	if (!is_dir(appdir))
		die(EXIT_USAGE, "%s: no such folder", appdir);
	p->appdir = xrealpath(appdir);
	p->appfile = path_join(p->appdir, "kiln.app");
	if (!is_file(p->appfile))
		die(EXIT_USAGE, "%s: not an app folder (no kiln.app)", appdir);
	desc_load(&p->app, p->appfile, app_schema);
	p->name = desc_word(&p->app, "name", "");
	if (strcmp(p->name, "obj") == 0 || strcmp(p->name, "gen") == 0)
		die_raw(EXIT_USAGE,
		        "%s:%u: the name '%s' is taken by kiln's build folder",
		        display_path(p->appfile),
		        desc_get(&p->app, "name")->line, p->name);
	check_devices(p);
	check_assets(p);

	if (!target)
		target = app_default_target(p);
	target_load(&p->target, root, target);
	check_targets(p);

	p->sanitize = sanitize;
	if (sanitize && !desc_get(&p->target.desc, "sanitize_cflags"))
		die_raw(EXIT_USAGE,
		        "%s:1: target '%s' has no sanitize_cflags: it cannot "
		        "build with --sanitize",
		        display_path(p->target.file), target);
	p->tls_dir = tls_dir;
	p->build = xasprintf("%s/_build/%s%s%s", p->appdir, target,
	                     tls_dir ? "-tls" : "", sanitize ? "-san" : "");
	p->image = path_join(p->build, p->name);

	struct resolver r = {.p = p};
	lib_visit_words(&r, &p->app, "libraries", p->appfile, true);
	const struct desc_field *assets = desc_get(&p->app, "assets");
	if (assets && assets->nwords > 0)
		lib_visit(&r, "assets", p->appfile, assets->line);
	if (tls_dir)
		lib_visit(&r, "tls", p->appfile, 1);
	free(r.all);
}

/* -------------------------------------------------------- placeholders */

/* The target compiler's answer to one query (-dumpmachine,
 * -print-prog-name=...), trailing blanks removed; dies when it fails. */
static char *compiler_answer(const struct project *p, const char *query)
{
	struct strvec argv = {0};
	expand_key(p, &p->target.desc, "cc", &argv);
	sv_push(&argv, query);
	char *out = proc_output(argv.v);
	if (!out)
		die(EXIT_BUILD, "'%s' failed", sv_join_shell(&argv));
	size_t n = strlen(out);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
	sv_free(&argv);
	return out;
}

/* Asked once per kiln run (one project per process). */
static char *arch_cache, *objcopy_cache;

const char *target_arch(const struct project *p)
{
	if (!arch_cache) {
		/* "x86_64-linux-gnu", "aarch64-linux-gnu": the first part. */
		char *machine = compiler_answer(p, "-dumpmachine");
		size_t n = strcspn(machine, "-");
		if (n == 0)
			die(EXIT_BUILD,
			    "cannot tell the target compiler's architecture "
			    "(-dumpmachine said '%s')",
			    machine);
		arch_cache = xstrndup(machine, n);
		free(machine);
	}
	return arch_cache;
}

const char *target_objcopy(const struct project *p)
{
	if (!objcopy_cache) {
		/* A cross gcc names its own binutils' objcopy by path; a
		 * native one answers "objcopy", found in PATH. */
		objcopy_cache = compiler_answer(p, "-print-prog-name=objcopy");
		if (!objcopy_cache[0]) {
			free(objcopy_cache);
			objcopy_cache = xstrdup("objcopy");
		}
	}
	return objcopy_cache;
}

char *expand_word(const struct project *p, const char *word, const char *file,
                  unsigned line, bool allow_image)
{
	struct {
		const char *name;
		const char *value;
	} vars[] = {
	        {"root", p->root},
	        {"platform", p->target.dir},
	        {"build", p->build},
	        {"image", allow_image ? p->image : NULL},
	};
	size_t cap = strlen(word) + 1, n = 0;
	char *out = xmalloc(cap);
	for (const char *s = word; *s;) {
		const char *close = *s == '{' ? strchr(s, '}') : NULL;
		const char *value = NULL;
		if (close) {
			size_t l = (size_t)(close - s - 1);
			for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]);
			     i++)
				if (strlen(vars[i].name) == l &&
				    strncmp(s + 1, vars[i].name, l) == 0)
					value = vars[i].value;
			/* Asked of the compiler only where it is used. */
			if (l == 4 && strncmp(s + 1, "arch", 4) == 0)
				value = target_arch(p);
			bool whole =
			        (l == 4 && strncmp(s + 1, "opts", 4) == 0) ||
			        (l == 4 && strncmp(s + 1, "args", 4) == 0);
			if (!value && whole && allow_image)
				die_raw(EXIT_USAGE,
				        "%s:%u: '%.*s' must be a word of its "
				        "own, "
				        "not part of '%s'",
				        display_path(file), line, (int)(l + 2),
				        s, word);
			if (!value)
				die_raw(EXIT_USAGE,
				        "%s:%u: unknown placeholder '%.*s' in "
				        "'%s'",
				        display_path(file), line, (int)(l + 2),
				        s, word);
		}
		size_t add = value ? strlen(value) : 1;
		if (n + add + 1 > cap) {
			cap = (n + add + 1) * 2;
			out = xrealloc(out, cap);
		}
		if (value) {
			memcpy(out + n, value, add);
			s = close + 1;
		} else {
			out[n] = *s++;
		}
		n += add;
	}
	out[n] = '\0';
	return out;
}

void expand_key(const struct project *p, const struct desc *d, const char *key,
                struct strvec *out)
{
	const struct desc_field *f = desc_get(d, key);
	for (size_t i = 0; f && i < f->nwords; i++)
		sv_push_own(out, expand_word(p, f->words[i], d->file, f->line,
		                             false));
}

/* ------------------------------------------------------------- sources */

/* The object name for a source: prefix + its path under base, with ".."
 * components renamed so that objects stay inside obj/. A file outside
 * base (an absolute path such as {root}/host/x.c) is named by its path
 * in the Kiln tree, or failing that under abs/. */
static char *object_name(const char *prefix, const char *base, const char *root,
                         const char *path)
{
	size_t bl = strlen(base), rl = strlen(root);
	const char *rel = path;
	if (strncmp(path, base, bl) == 0 && path[bl] == '/') {
		rel = path + bl + 1;
	} else if (strncmp(path, root, rl) == 0 && path[rl] == '/') {
		rel = path + rl + 1;
		prefix = "tree";
	} else {
		prefix = "abs";
	}
	while (*rel == '/')
		rel++;
	char *o = xasprintf("%s/%s", prefix, rel);
	for (char *s = o; (s = strstr(s, ".."));) {
		bool starts = s == o || s[-1] == '/';
		bool ends = s[2] == '/' || s[2] == '\0';
		if (starts && ends)
			s[0] = s[1] = '_';
		s += 2;
	}
	/* Drop the extension: objects are NAME.o, NAME.d, ... */
	char *dot = strrchr(o, '.');
	if (dot && !strchr(dot, '/'))
		*dot = '\0';
	return o;
}

struct source_list {
	struct source *v;
	size_t n;
};

static void add_source(struct source_list *l, const char *path, char *objrel,
                       bool app)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].path, path) == 0) {
			free(objrel);
			return; /* listed twice (e.g. by two globs) */
		}
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	struct source *s = &l->v[l->n++];
	s->path = xstrdup(path);
	s->objrel = objrel;
	s->app = app;
	size_t n = strlen(path);
	s->assembly = n > 2 && strcmp(path + n - 2, ".S") == 0;
}

/* Expand the source patterns of key in d (relative to base). */
static void add_sources(const struct project *p, struct source_list *l,
                        const struct desc *d, const char *key, const char *base,
                        const char *prefix, bool app)
{
	const struct desc_field *f = desc_get(d, key);
	for (size_t i = 0; f && i < f->nwords; i++) {
		const char *w = f->words[i];
		char *ew = expand_word(p, w, d->file, f->line, false);
		char *pattern = path_join(base, ew);
		bool is_glob = strpbrk(ew, "*?[") != NULL;
		glob_t g;
		int rc = glob(pattern, GLOB_NOSORT, NULL, &g);
		if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
			if (is_glob)
				die_raw(EXIT_USAGE,
				        "%s:%u: '%s' matches no file",
				        display_path(d->file), f->line, w);
			die_raw(EXIT_USAGE, "%s:%u: source '%s' not found",
			        display_path(d->file), f->line, w);
		}
		if (rc != 0)
			die_raw(EXIT_USAGE, "%s:%u: cannot expand '%s'",
			        display_path(d->file), f->line, w);
		/* Sorted, so the build order does not depend on the disk. */
		qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), compare_strings);
		for (size_t j = 0; j < g.gl_pathc; j++) {
			const char *path = g.gl_pathv[j];
			size_t n = strlen(path);
			bool c = n > 2 && strcmp(path + n - 2, ".c") == 0;
			bool s = n > 2 && strcmp(path + n - 2, ".S") == 0;
			if (!is_file(path)) {
				if (is_glob)
					continue; /* a folder matched */
				die_raw(EXIT_USAGE,
				        "%s:%u: source '%s' is not a file",
				        display_path(d->file), f->line, w);
			}
			if (!c && !s) {
				if (is_glob)
					continue;
				die_raw(EXIT_USAGE,
				        "%s:%u: '%s' is not a C (.c) or "
				        "assembly (.S) file",
				        display_path(d->file), f->line, w);
			}
			add_source(l, path,
			           object_name(prefix, base, p->root, path),
			           app);
		}
		globfree(&g);
		free(pattern);
		free(ew);
	}
}

static void add_lib_sources(const struct project *p, struct source_list *l,
                            const struct library *lib)
{
	char *prefix = xasprintf("lib/%s", lib->name);
	add_sources(p, l, &lib->desc, "sources", lib->dir, prefix, false);
	add_sources(p, l, &lib->desc,
	            p->target.freestanding ? "freestanding_sources"
	                                   : "hosted_sources",
	            lib->dir, prefix, false);
	free(prefix);
}

void project_sources(const struct project *p, struct source **out, size_t *n)
{
	struct source_list l = {0};
	const struct target *t = &p->target;
	char *prefix = xasprintf("platform/%s", t->name);
	add_sources(p, &l, &t->desc, "sources", t->dir, prefix, false);
	free(prefix);
	for (size_t i = 0; i < p->nlibs; i++)
		add_lib_sources(p, &l, p->libs[i]);
	add_sources(p, &l, &p->app, "sources", p->appdir, "app", true);
	*out = l.v;
	*n = l.n;
}

void library_sources(const struct project *p, const struct library *lib,
                     struct source **out, size_t *n)
{
	struct source_list l = {0};
	add_lib_sources(p, &l, lib);
	*out = l.v;
	*n = l.n;
}

void target_sources(const struct project *p, struct source **out, size_t *n)
{
	struct source_list l = {0};
	char *prefix = xasprintf("platform/%s", p->target.name);
	add_sources(p, &l, &p->target.desc, "sources", p->target.dir, prefix,
	            false);
	free(prefix);
	*out = l.v;
	*n = l.n;
}

void own_sources(const struct project *p, struct source **out, size_t *n)
{
	struct source_list l = {0};
	add_sources(p, &l, &p->app, "sources", p->appdir, "app", true);
	/* A host program's exclude: patterns (relative to the manifest) of
	 * files its sources' globs matched that it leaves out; each must
	 * leave out one at least. */
	const struct desc_field *f = desc_get(&p->app, "exclude");
	for (size_t i = 0; f && i < f->nwords; i++) {
		char *ew = expand_word(p, f->words[i], p->app.file, f->line,
		                       false);
		char *pattern = path_join(p->appdir, ew);
		size_t kept = 0;
		for (size_t j = 0; j < l.n; j++) {
			if (fnmatch(pattern, l.v[j].path, FNM_PATHNAME) == 0) {
				free(l.v[j].path);
				free(l.v[j].objrel);
			} else {
				l.v[kept++] = l.v[j];
			}
		}
		if (kept == l.n)
			die_raw(EXIT_USAGE,
			        "%s:%u: exclude '%s' leaves out no source",
			        display_path(p->app.file), f->line,
			        f->words[i]);
		l.n = kept;
		free(pattern);
		free(ew);
	}
	*out = l.v;
	*n = l.n;
}
