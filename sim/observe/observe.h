/*
 * observe.h - what a timing run looks like over time, written beside its results:
 *
 *   - the counters of every SMMU, context and master per interval of simulated time,
 *     as a tidy CSV (docs/stats.md, "Over time");
 *   - a VCD waveform of the walks in flight, the TLB's valid entries, the requests
 *     outstanding and the display FIFO level (docs/observe.md);
 *   - a Chrome trace-event timeline of the walks, the stalled transactions and the
 *     driver steps within a window (docs/observe.md).
 *
 * The models know nothing of files: observe_attach installs their observer hooks
 * (smmu_set_observer, master_set_observer) and the timing run's sample and step
 * hooks (soc.h), and the writers here turn the events into files. Nothing a model
 * computes changes, so stats.json is the same bytes with or without them.
 */
#ifndef IOMMUSIM_SIM_OBSERVE_OBSERVE_H
#define IOMMUSIM_SIM_OBSERVE_OBSERVE_H

#include <stddef.h>

#include "sim/core/kernel.h"
#include "sim/scenario/soc.h"

/* At most this many intervals of --stats-interval over a scenario's duration. */
#define OBSERVE_MAX_INTERVALS 1000000u

struct observe_opts {
    sim_time_t interval;                /* 0: no interval file */
    const char *interval_path;          /* DIR/intervals.csv */
    const char *vcd_path;               /* NULL: no waveform */
    const char *timeline_path;          /* NULL: no timeline */
    sim_time_t window_start, window_end;/* the timeline's window [start, end) */
};

struct observe;

/*
 * Opens the files (under temporary names) and hooks into the SoC built from a timing
 * scenario, before soc_run; *out is NULL when nothing was asked for. 0; -EINVAL when
 * the options do not fit the scenario (a functional run, too many intervals, an empty
 * window); another negative errno when a file cannot be created. The sentence in err
 * names the option (--stats-interval, --vcd, --timeline, --timeline-window).
 */
int observe_attach(struct soc *s, const struct observe_opts *o, struct observe **out,
                   char *err, size_t len);
/* After soc_run: writes what is left and renames every file into place. 0, or a
 * negative errno and a sentence in err (the files that failed are not left). Frees o. */
int observe_finish(struct observe *o, char *err, size_t len);
/* Drops the files (nothing is renamed into place); frees o. */
void observe_abort(struct observe *o);

#endif
