/*
 * tool/build.c - compile and link an image incrementally.
 *
 * Every object has three companions beside it in obj/: NAME.d (the
 * compiler's dependency list, -MMD -MP), NAME.cmd (the command that made
 * it) and, while it is being compiled, NAME.log (the compiler's output,
 * shown in one piece when the compile ends so that two compiles running
 * at once never interleave their messages). The image has NAME.cmd
 * beside it for its link command.
 */
#include "build.h"

#include "depfile.h"
#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Recorded commands and dependency lists are small; cap what we read. */
#define RECORD_MAX (16 * 1024 * 1024)

/* ------------------------------------------------------------- helpers */

/* true when the file at path holds exactly text. */
static bool file_holds(const char *path, const char *text)
{
	size_t len;
	char *data = read_file(path, RECORD_MAX, &len);
	bool same = data && len == strlen(text) && memcmp(data, text, len) == 0;
	free(data);
	return same;
}

static void record(const char *path, const char *text)
{
	if (!write_file(path, text, strlen(text)))
		die(EXIT_BUILD, "cannot write %s: %s", display_path(path),
		    strerror(errno));
}

/* Copy a finished compile's output to ours and remove the log. */
static void show_log(const char *log)
{
	size_t len;
	char *data = read_file(log, RECORD_MAX, &len);
	if (data && len > 0) {
		fflush(stdout);
		fwrite(data, 1, len, stderr);
	}
	free(data);
	unlink(log);
}

static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

/* ------------------------------------------------------------ commands */

/* The compiler's own header folder, for -nostdinc builds. */
char *compiler_include(const struct project *p)
{
	struct strvec argv = {0};
	expand_key(p, &p->target.desc, "cc", &argv);
	sv_push(&argv, "-print-file-name=include");
	char *out = proc_output(argv.v);
	if (!out)
		die(EXIT_BUILD, "'%s' failed", sv_join_shell(&argv));
	size_t n = strlen(out);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
	if (out[0] != '/')
		die(EXIT_BUILD,
		    "cannot find the compiler's own headers ('%s' said '%s')",
		    sv_join_shell(&argv), out);
	sv_free(&argv);
	return out;
}

/* -I for each folder a library's key names (they must exist). */
static void add_includes(const struct project *p, const struct library *l,
                         const char *key, struct strvec *out)
{
	const struct desc_field *f = desc_get(&l->desc, key);
	for (size_t i = 0; f && i < f->nwords; i++) {
		char *w = expand_word(p, f->words[i], l->desc.file, f->line,
		                      false);
		char *d = path_join(l->dir, w);
		if (!is_dir(d))
			die_raw(EXIT_USAGE,
			        "%s:%u: include folder '%s' not found",
			        display_path(l->file), f->line, f->words[i]);
		sv_pushf(out, "-I%s", d);
		free(d);
		free(w);
	}
}

/* Flags every file of the image gets, after the target's own. */
static void common_flags(const struct project *p, struct strvec *out)
{
	const struct target *t = &p->target;
	sv_pushf(out, "-I%s/include", p->root);
	char *upper = xstrdup(t->name);
	for (char *s = upper; *s; s++)
		*s = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
	sv_pushf(out, "-DKILN_TARGET_%s=1", upper);
	free(upper);
	/* The image's name, as a string literal (lib/rt makes it argv[0]).
	 * Names are [a-z][a-z0-9_-]*, so nothing needs escaping. */
	sv_pushf(out, "-DKILN_APP_NAME=\"%s\"", p->name);
	/* Reproducible images: the same sources give the same bytes in any
	 * checkout. Paths inside the Kiln tree (and the app's folder, if it
	 * is elsewhere) are written relative (__FILE__ in panics, debug
	 * info), and the compiler's own command line, which names them, is
	 * not recorded. */
	sv_pushf(out, "-ffile-prefix-map=%s=.", p->root);
	size_t rl = strlen(p->root);
	if (strncmp(p->appdir, p->root, rl) != 0 || p->appdir[rl] != '/')
		sv_pushf(out, "-ffile-prefix-map=%s=%s", p->appdir, p->name);
	sv_push(out, "-gno-record-gcc-switches");
	if (t->freestanding) {
		sv_push(out, "-DKILN_FREESTANDING=1");
		sv_push(out, "-nostdinc");
		sv_push(out, "-isystem");
		sv_push_own(out, compiler_include(p));
	}
	for (size_t i = 0; i < p->nlibs; i++) {
		add_includes(p, p->libs[i], "include", out);
		if (t->freestanding)
			add_includes(p, p->libs[i], "freestanding_include",
			             out);
	}
}

/* The app's own flags on a hosted target (unix): compiled as on the
 * freestanding ones, it sees the compiler's headers and the libraries'
 * freestanding_include (lib/rt's C library subset), never the host's, so
 * that an app that builds for unix builds for hvt and the others. */
static void app_flags(const struct project *p, struct strvec *out)
{
	if (p->target.freestanding)
		return;
	sv_push(out, "-ffreestanding");
	sv_push(out, "-nostdinc");
	sv_push(out, "-isystem");
	sv_push_own(out, compiler_include(p));
	for (size_t i = 0; i < p->nlibs; i++)
		add_includes(p, p->libs[i], "freestanding_include", out);
}

static void make_unit(const struct project *p, struct unit *u,
                      const struct source *src, const struct strvec *common,
                      const struct strvec *app)
{
	const struct desc *t = &p->target.desc;
	memset(u, 0, sizeof(*u));
	u->path = src->path;
	u->assembly = src->assembly;
	char *base = xasprintf("%s/obj/%s", p->build, src->objrel);
	u->obj = xasprintf("%s.o", base);
	u->dep = xasprintf("%s.d", base);
	u->cmdfile = xasprintf("%s.cmd", base);
	u->log = xasprintf("%s.log", base);
	free(base);

	expand_key(p, t, "cc", &u->cmd);
	expand_key(p, t, src->assembly ? "asflags" : "cflags", &u->cmd);
	sv_append(&u->cmd, common);
	if (src->app && !src->assembly)
		sv_append(&u->cmd, app);
	if (src->app)
		expand_key(p, &p->app, "cflags", &u->cmd);
	if (p->sanitize && !src->assembly)
		expand_key(p, t, "sanitize_cflags", &u->cmd);
	unit_finish(u);
}

void unit_finish(struct unit *u)
{
	sv_push(&u->cmd, "-MMD");
	sv_push(&u->cmd, "-MP");
	sv_push(&u->cmd, "-MF");
	sv_push(&u->cmd, u->dep);
	sv_push(&u->cmd, "-c");
	sv_push(&u->cmd, u->path);
	sv_push(&u->cmd, "-o");
	sv_push(&u->cmd, u->obj);
	u->cmdline = sv_join_shell(&u->cmd);
}

/* ------------------------------------------------------ up to date? */

struct dep_check {
	const char *dir; /* relative paths in the list are from here */
	struct timespec obj;
	bool stale;
};

static bool dep_newer(void *ctx, const char *path)
{
	struct dep_check *c = ctx;
	char *full = path_join(c->dir, path);
	struct timespec t;
	if (!file_mtime(full, &t) || time_after(&t, &c->obj))
		c->stale = true;
	free(full);
	return !c->stale;
}

/* Does u need compiling? (Missing object, changed command, or a file it
 * was made from is newer than it or gone.) */
bool unit_stale(const char *dir, const struct unit *u)
{
	struct dep_check c = {dir, {0, 0}, false};
	if (!file_mtime(u->obj, &c.obj) || !file_holds(u->cmdfile, u->cmdline))
		return true;
	struct timespec t;
	if (!file_mtime(u->path, &t) || time_after(&t, &c.obj))
		return true;
	size_t len;
	char *deps = read_file(u->dep, RECORD_MAX, &len);
	if (!deps)
		return true;
	enum depfile_result r = depfile_parse(deps, len, dep_newer, &c);
	free(deps);
	return r == DEPFILE_MALFORMED || c.stale;
}

/* ------------------------------------------------------------ compiling */

struct job {
	pid_t pid;
	struct unit *u;
};

static void start_job(const char *dir, const struct build_options *o,
                      struct job *j, struct unit *u)
{
	char *odir = parent_dir(u->obj);
	xmkdir_p(odir);
	free(odir);
	/* Forget the old record first: a failed compile must not look done. */
	unlink(u->cmdfile);
	printf("  %s %s\n", u->assembly ? "AS" : "CC", display_path(u->path));
	if (o->verbose)
		printf("%s\n", u->cmdline);
	j->u = u;
	j->pid = proc_spawn(u->cmd.v, dir, u->log);
}

/* Compile the stale units, up to o->jobs at a time. Returns how many were
 * compiled; exits 1 after the running compiles end if one fails. */
size_t units_compile(const char *dir, const struct build_options *o,
                     struct unit **todo, size_t n)
{
	struct job *jobs = xcalloc(o->jobs, sizeof(*jobs));
	size_t next = 0, running = 0;
	const struct unit *failed = NULL;
	int failed_status = 0;

	while ((next < n && !failed) || running > 0) {
		while (!failed && next < n && running < o->jobs) {
			for (unsigned i = 0; i < o->jobs; i++) {
				if (jobs[i].pid == 0) {
					start_job(dir, o, &jobs[i],
					          todo[next++]);
					running++;
					break;
				}
			}
		}
		int status;
		pid_t pid = wait(&status);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_BUILD, "wait: %s", strerror(errno));
		}
		for (unsigned i = 0; i < o->jobs; i++) {
			if (jobs[i].pid != pid)
				continue;
			struct unit *u = jobs[i].u;
			jobs[i].pid = 0;
			running--;
			show_log(u->log);
			if (proc_ok(status)) {
				record(u->cmdfile, u->cmdline);
			} else {
				unlink(u->obj);
				if (!failed) {
					failed = u;
					failed_status = status;
				}
			}
		}
	}
	free(jobs);
	if (failed) {
		fflush(stdout);
		die(EXIT_BUILD, "compiling %s failed (the compiler %s)",
		    display_path(failed->path), proc_describe(failed_status));
	}
	return n;
}

/* ---------------------------------------------------------- the steps */

/* The words of a descriptor field joined back into the command line the
 * user wrote, placeholders expanded where allowed. */
static char *command_line(const struct project *p, const struct desc *d,
                          const struct desc_field *f, bool expand)
{
	char *line = xstrdup("");
	for (size_t i = 0; i < f->nwords; i++) {
		char *w = expand ? expand_word(p, f->words[i], d->file, f->line,
		                               true)
		                 : xstrdup(f->words[i]);
		char *l = xasprintf("%s%s%s", line, i ? " " : "", w);
		free(w);
		free(line);
		line = l;
	}
	return line;
}

/* Run a shell command of a descriptor in dir; a failure ends the build. */
static void run_hook(const struct project *p, const char *what,
                     const char *line, const char *dir)
{
	/* Tell the command where things are (and where it may write). */
	setenv("KILN_ROOT", p->root, 1);
	setenv("KILN_TARGET", p->target.name, 1);
	setenv("KILN_BUILD", p->build, 1);
	/* The target's objcopy, for hooks that convert the image (rpi3's
	 * kernel8.img); asked of the compiler only for the postbuild. */
	if (strcmp(what, "postbuild") == 0)
		setenv("KILN_OBJCOPY", target_objcopy(p), 1);
	char *argv[] = {"/bin/sh", "-c", (char *)line, NULL};
	int status = proc_run(argv, dir);
	if (!proc_ok(status))
		die(EXIT_BUILD, "%s '%s' %s", what, line,
		    proc_describe(status));
}

static void prebuild(const struct project *p)
{
	const struct desc_field *f = desc_get(&p->app, "prebuild");
	if (!f)
		return;
	char *line = command_line(p, &p->app, f, false);
	run_hook(p, "prebuild", line, p->appdir);
	free(line);
}

/* The target's postbuild command (e.g. writing a VM configuration beside
 * the image) runs in the build folder when the image was relinked or the
 * command changed (it is recorded in IMAGE.post). */
static bool postbuild(const struct project *p, const struct build_options *o,
                      bool linked)
{
	const struct desc_field *f = desc_get(&p->target.desc, "postbuild");
	if (!f)
		return false;
	char *line = command_line(p, &p->target.desc, f, true);
	char *recfile = xasprintf("%s.post", p->image);
	bool stale = linked || !file_holds(recfile, line);
	if (stale) {
		char *what = expand_word(p, f->words[0], p->target.file,
		                         f->line, true);
		printf("  POST %s\n", display_path(what));
		free(what);
		if (o->verbose)
			printf("%s\n", line);
		fflush(stdout);
		unlink(recfile);
		run_hook(p, "postbuild", line, p->build);
		record(recfile, line);
	}
	free(recfile);
	free(line);
	return stale;
}

/* Run kiln-assets when the app has assets; returns the generated source
 * (or NULL). */
static struct source *assets(const struct project *p)
{
	const struct desc_field *f = desc_get(&p->app, "assets");
	if (!f || f->nwords == 0)
		return NULL;
	char *tool = xasprintf("%s/bin/kiln-assets", p->root);
	if (access(tool, X_OK) != 0)
		die(EXIT_BUILD,
		    "%s:%u: the app has assets, but %s is missing (run make "
		    "in %s)",
		    display_path(p->appfile), f->line, tool, p->root);
	char *gen = xasprintf("%s/gen", p->build);
	xmkdir_p(gen);
	struct source *s = xcalloc(1, sizeof(*s));
	s->path = xasprintf("%s/assets.c", gen);
	s->objrel = xstrdup("gen/assets");
	s->app = true;

	struct strvec argv = {0};
	sv_push(&argv, tool);
	sv_push(&argv, "--output");
	sv_push(&argv, s->path);
	for (size_t i = 0; i < f->nwords; i++) {
		const char *w = f->words[i];
		const char *colon = strchr(w, ':');
		char *dir =
		        colon ? xstrndup(w, (size_t)(colon - w)) : xstrdup(w);
		char *full = path_join(p->appdir, dir);
		sv_pushf(&argv, "%s:%s", full, colon ? colon + 1 : "/");
		free(full);
		free(dir);
	}
	int status = proc_run(argv.v, p->appdir);
	if (!proc_ok(status))
		die(EXIT_BUILD, "kiln-assets %s", proc_describe(status));
	sv_free(&argv);
	free(gen);
	free(tool);
	return s;
}

/* --tls: the credentials folder as the table kiln_tls_credentials (lib/tls
 * reads it; it is not the app's kiln_assets, so nothing serves the key).
 * --tls-disk: none (an empty tls_dir). */
static struct source *credentials(const struct project *p)
{
	if (!p->tls_dir || !*p->tls_dir)
		return NULL;
	char *tool = xasprintf("%s/bin/kiln-assets", p->root);
	char *gen = xasprintf("%s/gen", p->build);
	xmkdir_p(gen);
	struct source *s = xcalloc(1, sizeof(*s));
	s->path = xasprintf("%s/tls_credentials.c", gen);
	s->objrel = xstrdup("gen/tls_credentials");
	struct strvec argv = {0};
	sv_push(&argv, tool);
	sv_push(&argv, "--table");
	sv_push(&argv, "kiln_tls_credentials");
	sv_push(&argv, "--output");
	sv_push(&argv, s->path);
	sv_pushf(&argv, "%s:/", p->tls_dir);
	int status = proc_run(argv.v, p->appdir);
	if (!proc_ok(status))
		die(EXIT_BUILD, "kiln-assets (the TLS credentials) %s",
		    proc_describe(status));
	sv_free(&argv);
	free(gen);
	free(tool);
	return s;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Link when the image is missing, older than an object, or was linked
 * with another command. Returns true if it linked. */
static bool link_image(const struct project *p, const struct build_options *o,
                       struct unit *units, size_t n)
{
	const struct desc *t = &p->target.desc;
	struct strvec cmd = {0};
	expand_key(p, t, "cc", &cmd);
	expand_key(p, t, "ldflags", &cmd);
	if (p->sanitize)
		expand_key(p, t, "sanitize_ldflags", &cmd);
	sv_push(&cmd, "-o");
	sv_push(&cmd, p->image);
	for (size_t i = 0; i < n; i++)
		sv_push(&cmd, units[i].obj);
	expand_key(p, t, "ldlibs", &cmd);
	char *line = sv_join_shell(&cmd);
	char *cmdfile = xasprintf("%s.cmd", p->image);

	struct timespec img, t2;
	bool stale = !file_mtime(p->image, &img) || !file_holds(cmdfile, line);
	for (size_t i = 0; !stale && i < n; i++)
		if (!file_mtime(units[i].obj, &t2) || time_after(&t2, &img))
			stale = true;
	if (stale) {
		unlink(cmdfile);
		printf("  LD %s\n", display_path(p->image));
		if (o->verbose)
			printf("%s\n", line);
		int status = proc_run(cmd.v, p->appdir);
		if (!proc_ok(status)) {
			unlink(p->image);
			die(EXIT_BUILD, "linking %s failed (the linker %s)",
			    display_path(p->image), proc_describe(status));
		}
		record(cmdfile, line);
	}
	free(cmdfile);
	free(line);
	sv_free(&cmd);
	return stale;
}

/* Write NAME.stripped when the target asks for it. */
static bool strip_image(const struct project *p, const struct build_options *o)
{
	if (!desc_yes(&p->target.desc, "strip", false))
		return false;
	char *out = xasprintf("%s.stripped", p->image);
	struct timespec img, st;
	bool stale = !file_mtime(out, &st) ||
	             (file_mtime(p->image, &img) && time_after(&img, &st));
	if (stale) {
		printf("  STRIP %s\n", display_path(out));
		/* The target's own binutils: the host's objcopy may not
		 * read another architecture's ELF. */
		char *objcopy = (char *)target_objcopy(p);
		char *argv[] = {objcopy, "--strip-all", p->image, out, NULL};
		if (o->verbose)
			printf("%s --strip-all %s %s\n", objcopy, p->image,
			       out);
		int status = proc_run(argv, NULL);
		if (!proc_ok(status)) {
			unlink(out);
			die(EXIT_BUILD, "stripping %s failed (objcopy %s)",
			    display_path(p->image), proc_describe(status));
		}
	}
	free(out);
	return stale;
}

/* The lock of the image being built (build_unlock). */
static int lock_fd = -1;

void build_unlock(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

/* One build of a thing at a time: a second kiln waits. The lock goes with
 * kiln's process (and is closed across exec). */
int lock_dir(const char *build, const char *what)
{
	xmkdir_p(build);
	char *path = xasprintf("%s/.lock", build);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EXIT_BUILD, "cannot open %s: %s", display_path(path),
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		printf("kiln: waiting for another build of %s\n", what);
		fflush(stdout);
		while (flock(fd, LOCK_EX) != 0)
			if (errno != EINTR)
				die(EXIT_BUILD, "cannot lock %s: %s",
				    display_path(path), strerror(errno));
	}
	free(path);
	return fd;
}

/* ------------------------------------------------ compile_commands.json */

static void json_string(struct strbuf *b, const char *s)
{
	sb_add(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_addf(b, "\\%c", c);
		else if (c < 0x20)
			sb_addf(b, "\\u%04x", c);
		else
			sb_addf(b, "%c", c);
	}
	sb_add(b, "\"");
}

/* FNV-1a, for names derived from paths and flags. */
unsigned long long hash_text(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void compdb_update(const char *top, const char *build, const char *dir,
                   const struct unit *units, size_t n)
{
	struct strbuf b = {0};
	for (size_t i = 0; i < n; i++) {
		const struct unit *u = &units[i];
		sb_add(&b, i ? ",\n" : "");
		sb_add(&b, "  {\"directory\": ");
		json_string(&b, dir);
		sb_add(&b, ", \"file\": ");
		json_string(&b, u->path);
		sb_add(&b, ", \"output\": ");
		json_string(&b, u->obj);
		sb_add(&b, ", \"arguments\": [");
		for (size_t j = 0; j < u->cmd.n; j++) {
			sb_add(&b, j ? ", " : "");
			json_string(&b, u->cmd.v[j]);
		}
		sb_add(&b, "]}");
	}
	char *frags = xasprintf("%s/compdb", top);
	xmkdir_p(frags);
	char *frag = xasprintf("%s/%016llx.json", frags, hash_text(build));
	if (n == 0)
		unlink(frag);
	else if (!file_holds(frag, b.s ? b.s : ""))
		record(frag, b.s);
	free(b.s);

	/* Every fragment, in name order, into one array. */
	int lock = lock_dir(frags, "compile_commands.json");
	struct strvec names = {0};
	DIR *d = opendir(frags);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
			sv_push(&names, e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names.v, names.n, sizeof(char *), compare_names);
	struct strbuf all = {0};
	sb_add(&all, "[\n");
	bool first = true;
	for (size_t i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", frags, names.v[i]);
		size_t len;
		char *data = read_file(path, RECORD_MAX, &len);
		if (data && len > 0) {
			sb_add(&all, first ? "" : ",\n");
			sb_add(&all, data);
			first = false;
		}
		free(data);
		free(path);
	}
	sb_add(&all, "\n]\n");
	char *out = xasprintf("%s/compile_commands.json", top);
	if (!file_holds(out, all.s))
		record(out, all.s);
	free(out);
	free(all.s);
	sv_free(&names);
	free(frag);
	free(frags);
	close(lock);
}

/* Where an image's compile commands go: the tree's _build/ for an app in
 * the tree, else the app's own _build/. */
static char *compdb_top(const struct project *p)
{
	size_t rl = strlen(p->root);
	if (strncmp(p->appdir, p->root, rl) == 0 && p->appdir[rl] == '/')
		return xasprintf("%s/_build", p->root);
	return xasprintf("%s/_build", p->appdir);
}

void build_image(const struct project *p, const struct build_options *o)
{
	lock_fd = lock_dir(p->build, p->name);
	/* The prebuild hook and the asset table work on the app's folder,
	 * which builds for other targets share: one of them at a time (the
	 * lock in _build/ above the target's), so that no build reads an
	 * asset another build's prebuild is still writing. */
	char *app_build = parent_dir(p->build);
	int app_lock = lock_dir(app_build, p->name);
	free(app_build);
	prebuild(p);
	struct source *gen[2] = {assets(p), credentials(p)};
	close(app_lock);

	struct source *sources;
	size_t nsources;
	project_sources(p, &sources, &nsources);
	for (size_t i = 0; i < 2; i++) {
		if (!gen[i])
			continue;
		sources = xrealloc(sources, (nsources + 1) * sizeof(*sources));
		sources[nsources++] = *gen[i];
		free(gen[i]);
	}

	struct strvec common = {0};
	common_flags(p, &common);
	struct strvec app = {0};
	app_flags(p, &app);
	struct unit *units = xcalloc(nsources, sizeof(*units));
	struct unit **todo = xcalloc(nsources, sizeof(*todo));
	size_t ntodo = 0;
	for (size_t i = 0; i < nsources; i++) {
		make_unit(p, &units[i], &sources[i], &common, &app);
		if (unit_stale(p->appdir, &units[i]))
			todo[ntodo++] = &units[i];
	}
	xmkdir_p(p->build);
	size_t compiled = units_compile(p->appdir, o, todo, ntodo);
	char *top = compdb_top(p);
	compdb_update(top, p->build, p->appdir, units, nsources);
	free(top);
	bool linked = link_image(p, o, units, nsources);
	bool stripped = strip_image(p, o);
	bool posted = postbuild(p, o, linked);

	if (!compiled && !linked && !stripped && !posted) {
		if (!o->quiet)
			printf("kiln: %s is up to date\n", p->name);
	} else {
		printf("kiln: built %s (%lld bytes)\n", display_path(p->image),
		       file_size(p->image));
		if (desc_yes(&p->target.desc, "strip", false)) {
			char *s = xasprintf("%s.stripped", p->image);
			printf("kiln: stripped %s (%lld bytes)\n",
			       display_path(s), file_size(s));
			free(s);
		}
	}
	fflush(stdout);
	free(todo);
	sv_free(&common);
}
