/*
 * outfile.h - writing a command's output file so that a failure never destroys or
 * fakes one: the output is written to a temporary file beside the target and renamed
 * into place only when complete (as `run` does with its statistics).
 *
 * Standard output ("-") and an existing target that is not a regular file (a device, a
 * FIFO, a socket) are written directly: they cannot be replaced by a rename, and on
 * failure nothing is removed. A symlink to a regular file is followed, so the file it
 * names is replaced and the link stays; a file replaced keeps its permission bits.
 * Only the temporary this module created is ever unlinked.
 */
#ifndef IOMMUSIM_SIM_CLI_OUTFILE_H
#define IOMMUSIM_SIM_CLI_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

struct cli_outfile {
    const char *target;             /* the path the user gave */
    char *final;                    /* the regular file to replace (the link followed) */
    char *tmp;                      /* the temporary, NULL when writing directly */
};

/*
 * Decides where to write. 0, and *path is the file to open for writing (the
 * temporary, created empty by this call, or the target itself); or a negative errno
 * with a message in err naming the target.
 */
int cli_outfile_begin(struct cli_outfile *o, const char *target, const char **path,
                      char *err, size_t errlen);

/* Renames the temporary into place: 0, or a negative errno with a message in err. */
int cli_outfile_commit(struct cli_outfile *o, char *err, size_t errlen);

/* Removes the temporary, if there is one (never the target). */
void cli_outfile_abort(struct cli_outfile *o);

/* In a message that names the temporary, names the target instead (in place). */
void cli_outfile_fix_msg(const struct cli_outfile *o, char *msg, size_t len);

/*
 * For a file another program wrote to a temporary (gnuplot's images): whether it is
 * whole. A PNG must end with its IEND chunk, an SVG with "</svg>" (then only blank
 * space), anything else must not be empty. A full disk leaves an empty or cut file,
 * with the writer often exiting 0.
 */
bool cli_file_whole(const char *path);

/*
 * Renames tmp onto path: 0; or the negative errno, with tmp removed. For a temporary
 * the caller made itself (PATH.tmp.PID) and has checked.
 */
int cli_rename_tmp(const char *tmp, const char *path);

#endif
