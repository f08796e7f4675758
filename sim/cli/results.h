/*
 * results.h - a run's result files, which appear all together or not at all.
 *
 * `run --out DIR` writes DIR/stats.json and DIR/stats.csv (each through a temporary
 * and a rename, sim/core/stats.c) and then, last, the manifest DIR/stats.done: one
 * line per file, "NAME BYTES FNV1A64", the size and the 64-bit FNV-1a hash of the
 * file as written. The manifest is removed before the first file is replaced. So a
 * run killed at any point leaves either the old complete set or no manifest, and a
 * directory holds results exactly when its manifest is there and both files match it;
 * stray temporaries (NAME.tmp.PID) of a dead run are never read. `sweep` (resume and
 * --collect) asks cli_results_check whether a point is done.
 */
#ifndef IOMMUSIM_SIM_CLI_RESULTS_H
#define IOMMUSIM_SIM_CLI_RESULTS_H

#include <stddef.h>

#include "sim/core/stats.h"

#define RESULTS_MANIFEST        "stats.done"

/* Writes DIR's result files (DIR must exist): 0, or a negative errno with a message. */
int cli_results_write(const struct stats *st, const char *dir, char *err, size_t errlen);

/* Removes DIR's manifest, so DIR holds no results (a failed point): 0 or -errno. */
int cli_results_forget(const char *dir);

/*
 * Whether DIR holds a complete set of results: 1 yes; 0 no, with the reason in why
 * ("no stats.done", "stats.csv does not match stats.done", ...); -ENOMEM.
 */
int cli_results_check(const char *dir, char *why, size_t whylen);

#endif
