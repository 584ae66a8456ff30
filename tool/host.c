/*
 * tool/host.c - build a program that runs on the host (a unit test, a
 * fuzz harness, a benchmark's helper) from its manifest, NAME.host:
 *
 *   sources   = its own files (relative to the manifest; {root} allowed)
 *   libraries = libraries of lib/ it links; their sources come from their
 *               kiln.lib (sources and hosted_sources), never a list here
 *   cflags    = extra flags for its own files
 *   ldflags   = flags for the link, before the objects (-static, -Wl,-T,..)
 *   ldlibs    = libraries at the end of the link (-lz)
 *   sanitize  = yes: ASan and UBSan, no recovery
 *   fuzz      = yes: a libFuzzer harness (clang; ASan and UBSan too)
 *   cc        = the compiler (default cc; clang for fuzz)
 *   shared    = yes: a shared object, NAME.so (-fPIC everywhere, -shared)
 *   bin       = yes: also copied to {root}/bin/NAME (bin/NAME.so) when
 *               built, for the programs of the tree (make)
 *   target    = a freestanding target (hvt, virtio): a bare guest image
 *               compiled and linked with that target's cc, cflags,
 *               asflags, ldflags and ldlibs, without the runtime (a test's
 *               stand-in guest); no libraries, sanitizers or shared
 *   platform  = yes (with target): the target's own sources linked in
 *   ldscript  = (with target) a linker script instead of the target's
 *   exclude   = files the sources' globs matched that are left out
 *
 * kiln build --sanitize PATH/NAME.host builds the program with sanitize =
 * yes into _build/host-san/ instead (never copied to bin/). --cross CC
 * builds it with the cross compiler CC, static, UBSan trapping in place
 * of the sanitizers (no runtimes there), into _build/host-cross/CC/.
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

/* Copy from to to (through to.new and a rename, so that a running copy
 * of the old file is not disturbed) unless to holds the same bytes. */
static bool install_copy(const char *from, const char *to)
{
	size_t len, tlen;
	char *data = read_file(from, 1u << 30, &len);
	if (!data)
		die(EXIT_BUILD, "cannot read %s: %s", display_path(from),
		    strerror(errno));
	char *old = read_file(to, 1u << 30, &tlen);
	bool same = old && tlen == len && memcmp(old, data, len) == 0;
	free(old);
	if (same) {
		free(data);
		return false;
	}
	char *tmp = xasprintf("%s.new", to);
	char *dir = xstrdup(to);
	*strrchr(dir, '/') = '\0';
	xmkdir_p(dir);
	if (!write_file(tmp, data, len) || chmod(tmp, 0755) != 0 ||
	    rename(tmp, to) != 0)
		die(EXIT_BUILD, "cannot write %s: %s", display_path(to),
		    strerror(errno));
	printf("  CP %s\n", display_path(to));
	free(dir);
	free(tmp);
	free(data);
	return true;
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

/* The output folder of manifest p->appfile: _build/KIND/PATH/NAME (in
 * the tree) or APPDIR/_build/KIND/NAME; *top gets the _build folder. */
static char *output_dir(const struct project *p, const char *root,
                        const char *kind, const char *name, char **top)
{
	size_t rl = strlen(root);
	bool in_tree = strncmp(p->appdir, root, rl) == 0 &&
	               (p->appdir[rl] == '/' || p->appdir[rl] == '\0');
	*top = in_tree ? xasprintf("%s/_build", root)
	               : xasprintf("%s/_build", p->appdir);
	const char *rel = in_tree ? p->appdir + rl : "";
	while (*rel == '/')
		rel++;
	return *rel ? xasprintf("%s/%s/%s/%s", *top, kind, rel, name)
	            : xasprintf("%s/%s/%s", *top, kind, name);
}

/* A bare guest image for a freestanding target: its own files (and with
 * platform = yes the target's) compiled as the target compiles an image's
 * (its cc, cflags or asflags, Kiln's headers, -nostdinc with the
 * compiler's own), linked with its ldflags and ldlibs. */
static void build_guest(struct project *p, const char *root, const char *name,
                        const struct build_options *o)
{
	const char *tname = desc_word(&p->app, "target", NULL);
	target_load(&p->target, root, tname);
	if (!p->target.freestanding)
		die(EXIT_USAGE, "%s: target %s is not freestanding",
		    display_path(p->appfile), tname);
	char *top;
	p->build = output_dir(p, root, "host", name, &top);
	p->image = path_join(p->build, name);
	lock_dir(p->build, name);

	struct source *own, *plat = NULL;
	size_t nown, nplat = 0;
	own_sources(p, &own, &nown);
	if (desc_yes(&p->app, "platform", false))
		target_sources(p, &plat, &nplat);
	size_t n = nplat + nown;
	struct source *src = xcalloc(n ? n : 1, sizeof(*src));
	if (nplat)
		memcpy(src, plat, nplat * sizeof(*src));
	memcpy(src + nplat, own, nown * sizeof(*src));

	struct strvec common = {0}, extra = {0};
	sv_pushf(&common, "-I%s/include", root);
	sv_push(&common, "-DKILN_FREESTANDING=1");
	sv_push(&common, "-nostdinc");
	sv_push(&common, "-isystem");
	sv_push_own(&common, compiler_include(p));
	expand_key(p, &p->app, "cflags", &extra);
	char *objdir = xasprintf("%s/obj", p->build);
	struct unit *u = xcalloc(n ? n : 1, sizeof(*u));
	for (size_t i = 0; i < n; i++) {
		struct strvec flags = {0};
		expand_key(p, &p->target.desc, "cc", &flags);
		expand_key(p, &p->target.desc,
		           src[i].assembly ? "asflags" : "cflags", &flags);
		sv_append(&flags, &common);
		make_units(&u[i], &src[i], 1, objdir, &flags,
		           src[i].app ? &extra : NULL);
		sv_free(&flags);
	}
	size_t compiled = compile_stale(p->appdir, u, n, o);
	compdb_update(top, p->build, p->appdir, u, n);

	struct strvec cmd = {0};
	expand_key(p, &p->target.desc, "cc", &cmd);
	/* ldscript: the program's linker script instead of the target's
	 * (the -Wl,-T,FILE word of its ldflags). */
	const struct desc_field *ls = desc_get(&p->app, "ldscript");
	char *script = NULL;
	if (ls) {
		char *w = expand_word(p, ls->words[0], p->app.file, ls->line,
		                      false);
		script = path_join(p->appdir, w);
		free(w);
		if (!is_file(script))
			die(EXIT_USAGE, "%s:%d: no such linker script: %s",
			    display_path(p->appfile), ls->line,
			    display_path(script));
	}
	struct strvec tl = {0};
	expand_key(p, &p->target.desc, "ldflags", &tl);
	for (size_t i = 0; i < tl.n; i++)
		if (!script || strncmp(tl.v[i], "-Wl,-T,", 7) != 0)
			sv_push(&cmd, tl.v[i]);
	sv_free(&tl);
	if (script)
		sv_pushf(&cmd, "-Wl,-T,%s", script);
	expand_key(p, &p->app, "ldflags", &cmd);
	sv_push(&cmd, "-o");
	sv_push(&cmd, p->image);
	char **in = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		sv_push(&cmd, in[i] = u[i].obj);
	size_t nin = n;
	if (script)
		in[nin++] = script;
	expand_key(p, &p->target.desc, "ldlibs", &cmd);
	expand_key(p, &p->app, "ldlibs", &cmd);
	bool made = make_output("LD", p->image, &cmd, in, nin, p->appdir, o);
	if (!compiled && !made) {
		if (!o->quiet)
			printf("kiln: %s is up to date\n", name);
	} else {
		struct stat st;
		printf("kiln: built %s (%lld bytes)\n", display_path(p->image),
		       stat(p->image, &st) == 0 ? (long long)st.st_size : -1LL);
	}
	fflush(stdout);
	free(in);
	free(script);
	free(objdir);
	free(src);
	sv_free(&cmd);
	sv_free(&common);
	sv_free(&extra);
	free(top);
}

static const char *const sanitize_flags[] = {"-fsanitize=address,undefined",
                                             "-fno-sanitize-recover=all",
                                             "-fno-omit-frame-pointer", NULL};
/* With --cross: a cross toolchain has no sanitizer runtimes; UBSan traps. */
static const char *const trap_flags[] = {
        "-fsanitize=undefined", "-fsanitize-undefined-trap-on-error", NULL};

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
	bool sanitize =
	        fuzz || o->sanitize || desc_yes(&p.app, "sanitize", false);
	bool shared = desc_yes(&p.app, "shared", false);
	bool to_bin =
	        !o->sanitize && !o->cross && desc_yes(&p.app, "bin", false);
	const char *cc = desc_word(&p.app, "cc", fuzz ? "clang" : "cc");
	const char *const *sflags = sanitize_flags;
	char *kind = xstrdup(o->sanitize ? "host-san" : "host");
	if (o->cross) {
		if (fuzz || shared || desc_get(&p.app, "target"))
			die(EXIT_USAGE,
			    "%s: --cross builds programs, not fuzz harnesses, "
			    "shared objects or guests",
			    display_path(p.appfile));
		cc = o->cross;
		sflags = trap_flags;
		const char *b = strrchr(cc, '/');
		free(kind);
		kind = xasprintf("host-cross/%s", b ? b + 1 : cc);
	}
	const char *tname = desc_word(&p.app, "target", NULL);
	if (!tname &&
	    (desc_get(&p.app, "platform") || desc_get(&p.app, "ldscript")))
		die(EXIT_USAGE,
		    "%s: 'platform' and 'ldscript' go with 'target'",
		    display_path(p.appfile));
	if (tname && (sanitize || shared || o->sanitize ||
	              desc_get(&p.app, "libraries") || desc_get(&p.app, "cc")))
		die(EXIT_USAGE,
		    "%s: a program for a target (target = %s) takes none of "
		    "libraries, sanitize, fuzz, shared, cc",
		    display_path(p.appfile), tname);

	if (tname) {
		build_guest(&p, root, name, o);
		return;
	}
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

	char *top;
	p.build = output_dir(&p, root, kind, name, &top);
	char *file = shared ? xasprintf("%s.so", name) : xstrdup(name);
	p.image = path_join(p.build, file);
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
	for (size_t i = 0; sanitize && sflags[i]; i++)
		sv_push(&profile, sflags[i]);
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
	if (shared)
		sv_push(&profile, "-fPIC");
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
	for (size_t i = 0; sanitize && sflags[i]; i++)
		sv_push(&cmd, sflags[i]);
	if (o->cross)
		sv_push(&cmd, "-static");
	if (shared)
		sv_push(&cmd, "-shared");
	expand_key(&p, &p.app, "ldflags", &cmd);
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
	if (to_bin) {
		char *dest = xasprintf("%s/bin/%s", root, file);
		made |= install_copy(p.image, dest);
		free(dest);
	}
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
	free(file);
	free(kind);
	free(top);
}
