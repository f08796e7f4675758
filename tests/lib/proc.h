/*
 * tests/lib/proc.h - running the iommusim program from a test, and reading what it left.
 *
 * The command-line tests (test_run, test_scenarios, test_security, test_cli_tools,
 * test_sweep, test_plot) start the program as a user would: as a subprocess, with its
 * standard output and error caught whole, in a scratch directory of their own. The
 * program is $IOMMUSIM (the Makefile sets it to the program it built, plain or with
 * sanitizers), else build/iommusim; tests run from the repository root, so fixture
 * paths appear in messages as written.
 *
 * Standard output and error go through two files of the scratch directory of
 * tests/lib/file.h, where the tests also point the program's --out.
 *
 * Everything here fails the running cmocka test on what a test cannot go on from (a
 * fork that fails, an output that cannot be read): for test programs only.
 */
#ifndef IOMMUSIM_TESTS_LIB_PROC_H
#define IOMMUSIM_TESTS_LIB_PROC_H

#include <stdint.h>

#include "tests/lib/file.h"

/* What one command left. */
struct proc {
    int status;             /* exit status; 128 + N when killed by signal N */
    char *out, *err;        /* all of its stdout and stderr, NUL-terminated */
    long max_rss_kib;       /* its peak resident memory (getrusage's ru_maxrss) */
};

/* The program under test: $IOMMUSIM, else "build/iommusim". */
const char *proc_prog(void);

/*
 * Runs a command and fills *p (what an earlier run left in *p is freed first: start
 * from a zeroed struct proc). Returns p->status.
 *   proc_run:  `iommusim ARGS`, ARGS formatted and split by the shell as a command
 *              line would be (quotes, globs and all)
 *   proc_runv: iommusim with exactly these arguments (a NULL-terminated list), no shell
 *   proc_sh:   any shell command line (pipes, redirections, environment)
 */
int proc_run(struct proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int proc_runv(struct proc *p, const char *const args[]);
int proc_sh(struct proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void proc_free(struct proc *p);

/*
 * The value of statistic `name` in DIR/stats.csv (the name,value rows of docs/stats.md)
 * as an unsigned integer. Fails the test when the file cannot be read, has no such row,
 * or the value is not a whole number.
 */
uint64_t stats_u64(const char *dir, const char *name);

#endif
