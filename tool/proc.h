/*
 * tool/proc.h - running other programs (the compiler, the prebuild
 * command, kiln-assets) without a shell in between.
 */
#ifndef KILN_TOOL_PROC_H
#define KILN_TOOL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Start argv[0] (searched in PATH) in folder dir (NULL: here) with stdout
 * and stderr going to the file log (NULL: kiln's own). A program that
 * cannot be started exits 127 after saying why.
 */
pid_t proc_spawn(char *const argv[], const char *dir, const char *log);

/* Wait for pid; returns its wait status. */
int proc_wait(pid_t pid);

/* Run argv to the end; returns its wait status. */
int proc_run(char *const argv[], const char *dir);

/* Run argv and return its standard output (NULL if it failed). */
char *proc_output(char *const argv[]);

/* "exited with status 3" / "was killed by signal 9 (Killed)". */
const char *proc_describe(int status);

/* true when status is a normal exit with 0. */
bool proc_ok(int status);

#endif /* KILN_TOOL_PROC_H */
