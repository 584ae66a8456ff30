/*
 * tool/build.h - turn a loaded project into its image, incrementally.
 */
#ifndef KILN_TOOL_BUILD_H
#define KILN_TOOL_BUILD_H

#include "project.h"

struct build_options {
	unsigned jobs;     /* compiles at a time (at least 1) */
	bool verbose;      /* show whole commands */
	bool quiet;        /* no "up to date" line (kiln run) */
	bool sanitize;     /* a host program with sanitize = yes (--sanitize) */
	const char *cross; /* a host program's cross compiler (--cross) */
};

/*
 * Build p's image: prebuild, assets, compiles, link, strip. Returns on
 * success; a failed step ends kiln with status 1 (the step's own output
 * shown), a mistake in a descriptor with status 2.
 */
void build_image(const struct project *p, const struct build_options *o);

/* Let go of the build's lock (before kiln forks a process that outlives
 * the build, such as a detached run's keeper). */
void build_unlock(void);

/* One compile: the source, its object and the object's companions
 * (NAME.d, NAME.cmd, NAME.log), and the command. */
struct unit {
	const char *path;
	bool assembly;
	char *obj, *dep, *cmdfile, *log;
	struct strvec cmd;
	char *cmdline;
};

/* Add the dependency-file, -c and -o words to u->cmd (the compiler and
 * its flags already there) and join the command line. */
void unit_finish(struct unit *u);
/* Does u need compiling? (Missing object, changed command, or a file it
 * was made from is newer than it or gone; relative paths in its
 * dependency file are from dir, where it is compiled.) */
bool unit_stale(const char *dir, const struct unit *u);
/* Compile the units in dir, o->jobs at a time; returns how many. A failed
 * compile ends kiln with status 1 once the running ones end. */
size_t units_compile(const char *dir, const struct build_options *o,
                     struct unit **todo, size_t n);

/* Record the compile commands of one build (a fragment named after the
 * build folder under TOP/compdb/) and rewrite TOP/compile_commands.json
 * from every fragment there. */
void compdb_update(const char *top, const char *build, const char *dir,
                   const struct unit *units, size_t n);

/* FNV-1a of s (names derived from paths and flags). */
unsigned long long hash_text(const char *s);

/* Take build's lock (BUILD/.lock) until the returned descriptor is closed
 * (at the latest when kiln ends); a second kiln building the same thing
 * waits. what names it in the message. */
int lock_dir(const char *build, const char *what);

/* The target compiler's own header folder (CC -print-file-name=include),
 * for -nostdinc builds; allocated. */
char *compiler_include(const struct project *p);

/* Build a host program from its manifest (NAME.host). */
void build_host(const char *root, const char *manifest,
                const struct build_options *o);

#endif /* KILN_TOOL_BUILD_H */
