/*
 * outfile.h - an output file that appears whole or not at all.
 *
 * Every result, figure and description file the program writes goes through here:
 * the text goes to a temporary, PATH.tmp.PID beside the target, which is made durable
 * (fsync, or the deferred sync of util.h's sync_defer_begin) and renamed over the
 * target once complete. A failed write then never leaves a file at PATH that looks
 * like a result, and never touches what was there: the temporary is removed and
 * whatever PATH held stays. A stray temporary of a killed process keeps its ".tmp."
 * in the name, which the result readers pass over (sim/cli/results.h) and the CLI
 * fuzzer looks for.
 *
 * Errors: a negative errno and, in err, one sentence "cannot write PATH: REASON".
 */
#ifndef IOMMUSIM_SIM_CORE_OUTFILE_H
#define IOMMUSIM_SIM_CORE_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

struct outfile_sink;

struct outfile {
    FILE *f;                    /* write here; NULL when not open */
    char *path, *tmp;
    struct outfile_sink *sink;  /* the temporary's descriptor and its first write error */
};

/* Creates the temporary with the mode a plain fopen gives (0666 less the umask). */
int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen);
/* The same, created with mode (before the umask): 0777 for a script. */
int outfile_open_mode(struct outfile *o, const char *path, unsigned mode, char *err,
                      size_t errlen);
/*
 * Flushes, syncs, closes and renames into place; on failure removes the temporary.
 * Either way the outfile is closed afterwards. A closed outfile commits as 0.
 */
int outfile_commit(struct outfile *o, char *err, size_t errlen);
/* Closes and removes the temporary; nothing at the path changes. Closed: no-op. */
void outfile_abort(struct outfile *o);

/* The whole of text to path, as outfile_open_mode and outfile_commit would. */
int outfile_write_text(const char *path, const char *text, unsigned mode, char *err,
                       size_t errlen);

/* PATH.tmp.PID, malloc'd (NULL when out of memory): the name outfile_open uses, for
 * the writers that create their temporary themselves (the trace writers). */
char *outfile_tmp_name(const char *path);

#endif
