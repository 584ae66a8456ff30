/*
 * tool/detach.h - unikernels that run in the background: `kiln run -d`,
 * `kiln ps`, `kiln logs`, `kiln stop`, `kiln rm` (docs/building.md).
 *
 * Each one has a folder in the user's state, STATE/run/NAME (STATE:
 * $KILN_STATE_HOME, else $XDG_STATE_HOME/kiln, else ~/.local/state/kiln),
 * holding `info` (what ps shows, and the pids with their start times so
 * that a reused pid is not taken for the unikernel), `log` (its console)
 * and, once it has ended, `status`. A keeper process, the session leader
 * of the unikernel's processes, waits for the launcher and writes status.
 * A folder whose keeper and launcher are both gone without a status is
 * stale and removed by the next command that sees it.
 */
#ifndef KILN_TOOL_DETACH_H
#define KILN_TOOL_DETACH_H

#include "launch.h"
#include "project.h"

/* The user's Kiln state folder (malloc'd); dies with a clear line when
 * neither KILN_STATE_HOME, XDG_STATE_HOME nor HOME is set. what names
 * the option needing it in that line. */
char *detach_state_home(const char *what);

/* Take NAME (or, when name is NULL, the app's name, then NAME-2, ...)
 * for a detached run before building: dies with status 2 when an
 * explicit NAME is running already. Returns the name taken (malloc'd). */
char *detach_claim(const char *name, const char *app_name);

/* Start the launcher in the background under name, its console into
 * the log; print the name and, with HTTP forwards, the URLs once they
 * answer (bounded by o->url_wait). Returns kiln's exit status. */
int detach_start(const char *name, const struct project *p,
                 const struct launch_options *o, struct strvec *argv,
                 bool verbose);

int cmd_ps(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_rm(int argc, char **argv);

#endif /* KILN_TOOL_DETACH_H */
