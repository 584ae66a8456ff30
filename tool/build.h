/*
 * tool/build.h - turn a loaded project into its image, incrementally.
 */
#ifndef KILN_TOOL_BUILD_H
#define KILN_TOOL_BUILD_H

#include "project.h"

struct build_options {
	unsigned jobs; /* compiles at a time (at least 1) */
	bool verbose;  /* show whole commands */
	bool quiet;    /* no "up to date" line (kiln run) */
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

#endif /* KILN_TOOL_BUILD_H */
