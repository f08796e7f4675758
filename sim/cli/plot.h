/*
 * plot.h - what the two parts of `iommusim plot` share: cmd_plot.c draws a sweep's
 * results.csv, plot_intervals.c a run's intervals.csv (`run --stats-interval`).
 */
#ifndef IOMMUSIM_SIM_CLI_PLOT_H
#define IOMMUSIM_SIM_CLI_PLOT_H

#include <stdbool.h>
#include <stddef.h>

/* gnuplot's full path from PATH, or false. */
bool plot_find_gnuplot(char *path, size_t len);
/* The plots/ directory of the scripts: 0, or -1 after a message. */
int plot_find_scripts(char *dir, size_t len);

/*
 * `iommusim plot RUNDIR`: figures of RUNDIR/intervals.csv into outdir (created by the
 * caller), each beside its data file, and outdir/index.md. The exit status.
 */
int plot_intervals(const char *dir, const char *outdir, const char *title);

#endif
