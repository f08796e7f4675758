/*
 * tests/lib/file.h - the files of a test: a scratch directory of its own, and reading a
 * file back whole.
 *
 * The scratch directory is private to the test program (mkdtemp under /tmp, so two
 * test runs at once, from two worktrees, never share a file), made on first use and
 * removed with all it holds when the program exits; with IOMMUSIM_TEST_KEEP set in the
 * environment it is kept and its path printed, to look at what a failed test left.
 * Tests that need an empty directory per case make one inside it.
 *
 * The scratch functions fail the running cmocka test when the directory cannot be made
 * or a path does not fit: for test programs only.
 */
#ifndef IOMMUSIM_TESTS_LIB_FILE_H
#define IOMMUSIM_TESTS_LIB_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* The scratch directory, e.g. /tmp/iommusim-test_run-Ab3xYz. */
const char *tmp_dir(void);

/* A path inside it, formatted: one of 8 buffers in turn, valid until the eighth call
 * after this one. */
const char *tmp_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A whole file, NUL-terminated (malloc'd; its length in *len when len is not NULL), or
 * NULL when it cannot be read. */
char *slurp(const char *path, size_t *len);

bool file_exists(const char *path);

#endif
