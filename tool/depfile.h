/*
 * tool/depfile.h - read the dependency files the compiler writes with
 * -MMD -MP (Make syntax: "obj.o: src.c a.h \" ... plus "a.h:" lines).
 *
 * Like the descriptor parser it works on bytes through a view and never
 * exits, so it can be fuzzed on its own.
 */
#ifndef KILN_TOOL_DEPFILE_H
#define KILN_TOOL_DEPFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest path accepted in a dependency file. */
#define DEPFILE_PATH_MAX 4096

enum depfile_result {
	DEPFILE_OK = 0,
	DEPFILE_STOPPED = 1,  /* the callback asked to stop */
	DEPFILE_MALFORMED = 2 /* not a dependency file kiln understands */
};

/*
 * Call fn(ctx, path) for every prerequisite in the len bytes at data, in
 * order (targets are skipped). fn returns false to stop early. Escapes
 * are undone: "\ " is a space, "\#" a '#', "$$" a '$'; a backslash before
 * a newline continues the line.
 */
enum depfile_result depfile_parse(const void *data, size_t len,
                                  bool (*fn)(void *ctx, const char *path),
                                  void *ctx);

#endif /* KILN_TOOL_DEPFILE_H */
