/*
 * tool/project.h - what one build is made of: the app (APPDIR/kiln.app),
 * the target (platform/NAME/kiln.target) and the libraries the app uses,
 * resolved transitively (lib/NAME/kiln.lib), with every mistake reported
 * as "FILE:LINE: message" and exit status 2.
 */
#ifndef KILN_TOOL_PROJECT_H
#define KILN_TOOL_PROJECT_H

#include "desc.h"
#include "util.h"

struct library {
	char *name;
	char *dir;  /* absolute: {root}/lib/NAME */
	char *file; /* its kiln.lib */
	struct desc desc;
	int mark; /* resolution: 0 new, 1 being visited, 2 done */
};

struct target {
	char *name;
	char *dir;
	char *file;
	struct desc desc;
	bool freestanding;
};

/* One source file of the image. */
struct source {
	char *path;    /* absolute */
	char *objrel;  /* its object's path under obj/, without ".o" */
	bool app;      /* compiled with the app's cflags */
	bool assembly; /* a .S file */
};

struct project {
	char *root;    /* the Kiln tree */
	char *appdir;  /* absolute */
	char *appfile; /* APPDIR/kiln.app */
	struct desc app;
	const char *name; /* the image's name */
	struct target target;
	struct library **libs; /* dependencies before their users */
	size_t nlibs;
	bool sanitize;
	/* --tls: the folder holding cert.pem and key.pem built into the
	 * image (lib/tls added to its libraries); "" for lib/tls without
	 * them (--tls-disk: read from a block device at boot); or NULL. */
	const char *tls_dir;
	char *build; /* APPDIR/_build/TARGET, TARGET-san, TARGET-tls, ... */
	char *image; /* build/NAME */
};

/* Read and parse one descriptor file; dies (status 2) on any mistake. */
void desc_load(struct desc *d, const char *path, const struct desc_key *schema);

/* Load APPDIR/kiln.app, the target (NULL: the default one, see
 * default_target(), or the app's first target when its targets leave the
 * default out) and the libraries. */
void project_load(struct project *p, const char *root, const char *appdir,
                  const char *target, bool sanitize, const char *tls_dir);

/* Load platform/NAME/kiln.target; dies with the known targets listed when
 * there is no such target. */
void target_load(struct target *t, const char *root, const char *name);

/* The names of the targets under {root}/platform, sorted. */
void targets_list(const char *root, struct strvec *out);

/* The default target: hvt when /dev/kvm opens read-write and the tree has
 * platform/hvt, else unix. */
const char *default_target(const char *root);

/* The target's architecture, from its compiler (-dumpmachine):
 * "x86_64", "aarch64". Named {arch} in descriptors. */
const char *target_arch(const struct project *p);

/* The objcopy of the target's own binutils, as its compiler names it
 * (-print-prog-name=objcopy): a cross compiler's, not the host's. */
const char *target_objcopy(const struct project *p);

/*
 * Expand {root}, {platform}, {build}, {arch} and {image} in one word of a
 * descriptor (file and line for the message when the word names another
 * placeholder). image may be NULL where {image} has no meaning.
 */
char *expand_word(const struct project *p, const char *word, const char *file,
                  unsigned line, bool allow_image);
/* Expand every word of key in d and append them to out. */
void expand_key(const struct project *p, const struct desc *d, const char *key,
                struct strvec *out);

/* Every source of the image: the platform's, the libraries', the app's.
 * Globs are expanded; a pattern matching nothing is a mistake. */
void project_sources(const struct project *p, struct source **out, size_t *n);

/* The sources of one library for p's target (sources, and the
 * freestanding_ or hosted_sources), and the manifest's own (its key
 * "sources", relative to appdir). */
void library_sources(const struct project *p, const struct library *lib,
                     struct source **out, size_t *n);
void own_sources(const struct project *p, struct source **out, size_t *n);
/* The target's own sources (its kiln.target's sources), alone. */
void target_sources(const struct project *p, struct source **out, size_t *n);

/* Resolve the libraries that p->app names in key, and theirs,
 * transitively (those a library requires bring rt), into p->libs. */
void project_resolve(struct project *p, const char *key);

#endif /* KILN_TOOL_PROJECT_H */
