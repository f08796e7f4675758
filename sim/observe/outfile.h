/*
 * outfile.h - an output file written under a temporary name beside its target and
 * renamed over it once complete, so that a failed write never leaves a file that
 * looks like a result. The writers of sim/observe/ write through it.
 */
#ifndef IOMMUSIM_SIM_OBSERVE_OUTFILE_H
#define IOMMUSIM_SIM_OBSERVE_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

struct outfile {
    FILE *f;                    /* write here; NULL when not open */
    char *path, *tmp;
};

/* 0, or a negative errno and "PATH: cannot create: REASON" in err. */
int outfile_open(struct outfile *o, const char *path, char *err, size_t len);
/* Flushes, closes and renames into place: 0, or a negative errno and a sentence
 * naming the path in err (the temporary file is removed). */
int outfile_commit(struct outfile *o, char *err, size_t len);
/* Closes and removes the temporary file; nothing at the path changes. */
void outfile_abort(struct outfile *o);

#endif
