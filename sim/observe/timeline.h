/*
 * timeline.h - a Chrome trace-event JSON writer (the "JSON Object Format" that
 * Perfetto and chrome://tracing open): {"traceEvents": [...]}, with one complete
 * event (ph "X") per slice and metadata events (ph "M") naming processes and threads.
 *
 * ts and dur are microseconds, as the format wants, written from the picosecond
 * times as exact decimals with six places (1234567 ps is 1.234567). Only slices
 * that overlap the window [start, end) are written: a slice [a, b] is kept when
 * a < end and b >= start, with its own times (not clipped).
 */
#ifndef IOMMUSIM_SIM_OBSERVE_TIMELINE_H
#define IOMMUSIM_SIM_OBSERVE_TIMELINE_H

#include <stddef.h>

#include "sim/core/kernel.h"

struct timeline;

/* NULL and a sentence in err. */
struct timeline *timeline_open(const char *path, sim_time_t start, sim_time_t end,
                               char *err, size_t len);
void timeline_process(struct timeline *t, unsigned pid, const char *name);
void timeline_thread(struct timeline *t, unsigned pid, unsigned tid, const char *name);
/* True when [a, b] overlaps the window. */
int timeline_wants(const struct timeline *t, sim_time_t a, sim_time_t b);
/* A slice; args is the text of a JSON object's members ("\"k\": 1, ...") or NULL. */
void timeline_slice(struct timeline *t, unsigned pid, unsigned tid, const char *name,
                    const char *cat, sim_time_t a, sim_time_t b, const char *args);
/* 0, or a negative errno with a sentence in err. Frees t. */
int timeline_close(struct timeline *t, char *err, size_t len);
void timeline_abort(struct timeline *t);

#endif
