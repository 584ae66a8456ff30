/*
 * tool/host.c - build a program that runs on the host (a unit test, a
 * fuzz harness, a benchmark's helper) from its manifest, NAME.host:
 *
 *   sources   = its own files (relative to the manifest; {root} allowed)
 *   libraries = libraries of lib/ it links; their sources come from their
 *               kiln.lib (sources and hosted_sources), never a list here
 *   cflags    = extra flags for its own files
 *   ldlibs    = libraries at the end of the link (-lz)
 *   sanitize  = yes: ASan and UBSan, no recovery
 *   fuzz      = yes: a libFuzzer harness (clang; ASan and UBSan too)
 *   cc        = the compiler (default cc; clang for fuzz)
 *
 * Each library is compiled once per set of flags (a "profile": compiler,
 * the common flags, the sanitizers) into _build/host/lib/HASH/ and kept as
 * an archive there, so that every program built with the same profile
 * shares its objects, and the linker takes only the members a program
 * uses (a test's stand-in for a library file wins over the library's).
 * The program's own objects are in _build/host/PATH/NAME/ (PATH: the
 * manifest's folder in the tree), the program is PATH/NAME/NAME there.
 * Objects are rebuilt when their command or a file they were made from
 * changed (tool/build.c), and every compile goes into
 * _build/compile_commands.json.
 */
#include "build.h"

#include "proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAX (16 * 1024 * 1024)

static bool same_text(const char *path, const char *text)
{
	size_t len;
	char *data = read_file(path, RECORD_MAX, &len);
	bool same = data && len == strlen(text) && memcmp(data, text, len) == 0;
	free(data);
	return same;
}

static void keep(const char *path, const char *text)
{
	if (!write_file(path, text, strlen(text)))
		die(EXIT_BUILD, "cannot write %s: %s", display_path(path),
		    strerror(errno));
}

/* Is out missing, made by another command, or older than one of in? */
static bool output_stale(const char *out, const char *cmdfile,
                         const char *cmdline, char **in, size_t nin)
{
	struct timespec t, t2;
	if (!file_mtime(out, &t) || !same_text(cmdfile, cmdline))
		return true;
	for (size_t i = 0; i < nin; i++)
		if (!file_mtime(in[i], &t2) || time_after(&t2, &t))
			return true;
	return false;
}

/* Run cmd in dir to make out (recorded in cmdfile); false if up to date. */
static bool make_output(const char *what, const char *out, struct strvec *cmd,
                        char **in, size_t nin, const char *dir,
                        const struct build_options *o)
{
	char *line = sv_join_shell(cmd);
	char *cmdfile = xasprintf("%s.cmd", out);
	bool stale = output_stale(out, cmdfile, line, in, nin);
	if (stale) {
		unlink(cmdfile);
		printf("  %s %s\n", what, display_path(out));
		if (o->verbose)
			printf("%s\n", line);
		fflush(stdout);
		int status = proc_run(cmd->v, dir);
		if (!proc_ok(status)) {
			unlink(out);
			die(EXIT_BUILD, "making %s failed (%s %s)",
			    display_path(out), cmd->v[0],
			    proc_describe(status));
		}
		keep(cmdfile, line);
	}
	free(cmdfile);
	free(line);
	return stale;
}

static void make_units(struct unit *units, const struct source *src, size_t n,
                       const char *objdir, const struct strvec *flags,
                       const struct strvec *extra)
{
	for (size_t i = 0; i < n; i++) {
		struct unit *u = &units[i];
		memset(u, 0, sizeof(*u));
		u->path = src[i].path;
		u->assembly = src[i].assembly;
		char *base = xasprintf("%s/%s", objdir, src[i].objrel);
		u->obj = xasprintf("%s.o", base);
		u->dep = xasprintf("%s.d", base);
		u->cmdfile = xasprintf("%s.cmd", base);
		u->log = xasprintf("%s.log", base);
		free(base);
		sv_append(&u->cmd, flags);
		if (extra)
			sv_append(&u->cmd, extra);
		unit_finish(u);
	}
}

/* Compile the stale ones of n units in dir; returns how many. */
static size_t compile_stale(const char *dir, struct unit *units, size_t n,
                            const struct build_options *o)
{
	struct unit **todo = xcalloc(n ? n : 1, sizeof(*todo));
	size_t ntodo = 0;
	for (size_t i = 0; i < n; i++)
		if (unit_stale(dir, &units[i]))
			todo[ntodo++] = &units[i];
	size_t done = units_compile(dir, o, todo, ntodo);
	free(todo);
	return done;
}

static const char *const sanitize_flags[] = {"-fsanitize=address,undefined",
                                             "-fno-sanitize-recover=all",
                                             "-fno-omit-frame-pointer", NULL};

void build_host(const char *root, const char *manifest,
                const struct build_options *o)
{
	static const struct desc_key host_target_schema[] = {
	        {"description", 0}, {"freestanding", 0}, {"cc", 0}, {NULL, 0}};
	struct project p;
	memset(&p, 0, sizeof(p));
	p.root = xstrdup(root);
	p.appfile = xrealpath(manifest);
	char *slash = strrchr(p.appfile, '/');
	p.appdir = xstrndup(p.appfile, (size_t)(slash - p.appfile));
	const char *base = slash + 1;
	size_t bl = strlen(base);
	char *name = xstrndup(base, bl - strlen(".host"));
	if (!desc_valid_name(name))
		die(EXIT_USAGE,
		    "%s: a host program's name (the file's, before .host) must "
		    "match [a-z][a-z0-9_-]*",
		    display_path(p.appfile));
	p.name = name;
	desc_load(&p.app, p.appfile, host_schema);
	bool fuzz = desc_yes(&p.app, "fuzz", false);
	bool sanitize = fuzz || desc_yes(&p.app, "sanitize", false);
	const char *cc = desc_word(&p.app, "cc", fuzz ? "clang" : "cc");

	/* The host as a target: hosted, its compiler; {platform} is the
	 * tree. */
	char *tdesc = xasprintf("freestanding = no\ncc = %s\n", cc);
	char err[512];
	p.target.name = xstrdup("host");
	p.target.dir = xstrdup(root);
	p.target.file = xstrdup(p.appfile);
	if (!desc_parse(&p.target.desc, display_path(p.appfile), tdesc,
	                strlen(tdesc), host_target_schema, err, sizeof(err)))
		die_raw(EXIT_USAGE, "%s", err);
	free(tdesc);

	size_t rl = strlen(root);
	bool in_tree = strncmp(p.appdir, root, rl) == 0 &&
	               (p.appdir[rl] == '/' || p.appdir[rl] == '\0');
	char *top = in_tree ? xasprintf("%s/_build", root)
	                    : xasprintf("%s/_build", p.appdir);
	const char *rel = in_tree ? p.appdir + rl : "";
	while (*rel == '/')
		rel++;
	p.build = *rel ? xasprintf("%s/host/%s/%s", top, rel, name)
	               : xasprintf("%s/host/%s", top, name);
	p.image = path_join(p.build, name);
	lock_dir(p.build, name);

	project_resolve(&p, "libraries");

	/* The profile: every file of the program, library or not. */
	struct strvec profile = {0};
	sv_push(&profile, cc);
	const char *common[] = {"-std=c11", "-D_GNU_SOURCE", "-g",     "-O1",
	                        "-Wall",    "-Wextra",       "-Werror"};
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		sv_push(&profile, common[i]);
	sv_pushf(&profile, "-I%s/include", root);
	if (fuzz)
		sv_push(&profile, "-DKILN_FUZZ");
	for (size_t i = 0; sanitize && sanitize_flags[i]; i++)
		sv_push(&profile, sanitize_flags[i]);
	for (size_t i = 0; i < p.nlibs; i++) {
		const struct desc_field *f =
		        desc_get(&p.libs[i]->desc, "include");
		for (size_t j = 0; f && j < f->nwords; j++) {
			char *w = expand_word(&p, f->words[j],
			                      p.libs[i]->desc.file, f->line,
			                      false);
			char *d = path_join(p.libs[i]->dir, w);
			sv_pushf(&profile, "-I%s", d);
			free(d);
			free(w);
		}
	}
	if (fuzz)
		sv_push(&profile, "-fsanitize=fuzzer-no-link");
	struct strvec libflags = {0};
	sv_append(&libflags, &profile);

	size_t compiled = 0;
	bool made = false;
	struct strvec archives = {0};
	if (p.nlibs > 0) {
		char *line = sv_join_shell(&libflags);
		char *cache = xasprintf("%s/_build/host/lib/%016llx", root,
		                        hash_text(line));
		lock_dir(cache, "the host libraries");
		char *flagfile = xasprintf("%s/flags", cache);
		if (!same_text(flagfile, line))
			keep(flagfile, line);
		free(flagfile);
		free(line);
		struct unit *all = NULL;
		size_t nall = 0;
		for (size_t i = 0; i < p.nlibs; i++) {
			const struct library *l = p.libs[i];
			struct source *src;
			size_t n;
			library_sources(&p, l, &src, &n);
			if (n == 0)
				continue;
			char *objdir = xasprintf("%s/obj", cache);
			struct unit *u = xcalloc(n, sizeof(*u));
			make_units(u, src, n, objdir, &libflags, NULL);
			free(objdir);
			compiled += compile_stale(root, u, n, o);
			/* lib/NAME/libNAME.a, rebuilt whole (ar would keep
			 * members of files that are gone). */
			char *ar = xasprintf("%s/lib%s.a", cache, l->name);
			struct strvec cmd = {0};
			sv_push(&cmd, "/bin/sh");
			sv_push(&cmd, "-c");
			sv_push(&cmd, "rm -f \"$0.new\" && ar qcs \"$0.new\" "
			              "\"$@\" && mv \"$0.new\" \"$0\"");
			sv_push(&cmd, ar);
			char **objs = xcalloc(n, sizeof(char *));
			for (size_t j = 0; j < n; j++) {
				sv_push(&cmd, u[j].obj);
				objs[j] = u[j].obj;
			}
			made |= make_output("AR", ar, &cmd, objs, n, root, o);
			sv_push(&archives, ar);
			free(objs);
			free(ar);
			sv_free(&cmd);
			all = xrealloc(all, (nall + n) * sizeof(*all));
			memcpy(all + nall, u, n * sizeof(*u));
			nall += n;
			free(u);
		}
		compdb_update(top, cache, root, all, nall);
		free(cache);
	}

	/* The program's own files, with its cflags. */
	struct source *src;
	size_t n;
	own_sources(&p, &src, &n);
	struct strvec extra = {0};
	expand_key(&p, &p.app, "cflags", &extra);
	char *objdir = xasprintf("%s/obj", p.build);
	struct unit *u = xcalloc(n, sizeof(*u));
	make_units(u, src, n, objdir, &profile, &extra);
	compiled += compile_stale(p.appdir, u, n, o);
	compdb_update(top, p.build, p.appdir, u, n);

	/* Link: own objects, then the archives (users before what they
	 * require, in a group for any cycle), then ldlibs. */
	struct strvec cmd = {0};
	sv_push(&cmd, cc);
	if (fuzz)
		sv_push(&cmd, "-fsanitize=fuzzer");
	for (size_t i = 0; sanitize && sanitize_flags[i]; i++)
		sv_push(&cmd, sanitize_flags[i]);
	sv_push(&cmd, "-o");
	sv_push(&cmd, p.image);
	char **in = xcalloc(n + archives.n + 1, sizeof(char *));
	size_t nin = 0;
	for (size_t i = 0; i < n; i++)
		sv_push(&cmd, in[nin++] = u[i].obj);
	if (archives.n) {
		sv_push(&cmd, "-Wl,--start-group");
		for (size_t i = archives.n; i-- > 0;)
			sv_push(&cmd, in[nin++] = archives.v[i]);
		sv_push(&cmd, "-Wl,--end-group");
	}
	expand_key(&p, &p.app, "ldlibs", &cmd);
	made |= make_output("LD", p.image, &cmd, in, nin, p.appdir, o);
	if (!compiled && !made) {
		if (!o->quiet)
			printf("kiln: %s is up to date\n", name);
	} else {
		struct stat st;
		printf("kiln: built %s (%lld bytes)\n", display_path(p.image),
		       stat(p.image, &st) == 0 ? (long long)st.st_size : -1LL);
	}
	fflush(stdout);
	free(in);
	free(objdir);
	sv_free(&cmd);
	sv_free(&extra);
	sv_free(&profile);
	sv_free(&libflags);
	sv_free(&archives);
	free(top);
}
