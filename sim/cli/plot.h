/*
 * plot.h - the parts of `iommusim plot` (sim/cli/cmd_plot.c), shared by its files:
 *   plot_results.c   reading a sweep's results.csv, finding the contexts and masters
 *                    in its column names
 *   plot_select.c    what the sweep varied, choosing a figure's points, writing its
 *                    data file, the notes of figures not drawn
 *   plot_figures.c   the kinds of figure: each turns rows into one data file
 *   plot_hist.c      latency distributions from the points' whole histograms
 *   plot_mrc.c       --mrc: the miss-ratio curve of tlb runs, from its own CSV
 *   plot_gnuplot.c   finding gnuplot and the scripts of plots/, running them, index.md
 *   plot_intervals.c a run's intervals.csv (run --stats-interval): its figures over time
 *   cmd_plot.c       the command: options, the order of the figures
 * Nothing outside these files includes it.
 */
#ifndef IOMMUSIM_SIM_CLI_PLOT_H
#define IOMMUSIM_SIM_CLI_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/core/outfile.h"

#define CMD             "plot"
#define RESULTS_FILE    "results.csv"
#define SWEEP_FILE      "sweep.txt"
#define PARAM_PREFIX    "param:"
#define PLOTS_ENV       "IOMMUSIM_PLOTS"
#define GNUPLOT         "gnuplot"
#define MISSING         "?"     /* a missing value in a data file (see plots/common.gp) */
#define KIB             1024.0
#define PATH_MAX_LEN    4096
#define TITLE_MAX       1024
#define PATH_ROOM       256     /* what a name inside PLOTDIR may add to its path */
#define NAME_MAX_LEN    128
#define NOTE_MAX        256
#define MAX_SEGMENTS    8
#define NKINDS          5       /* kinds of figure; each is made or skipped once */

/* The first two columns of results.csv, before the parameters. */
#define COL_POINT       0
#define COL_STATUS      1
#define FIRST_PARAM     2

/* The scripts of plots/, one per kind of figure, and the file every one loads. */
#define SCRIPT_COMMON   "common.gp"

/*
 * snprintf whose output may be cut at len - 1 bytes. Used where it cannot be, for
 * paths (cmd_plot checks the directories' lengths first), and for titles, which
 * are cut rather than refused.
 */
void plot_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- results.csv (plot_results.c) -------------------------------------------------------- */

struct row {
    unsigned line;              /* in results.csv, for messages */
    const char *point;          /* its point number, as written (DIR/points/NNNN) */
    bool ok;                    /* status ok; failed points are never plotted */
    char **param;               /* nparams values, as written */
    double *stat;               /* nstats values; NAN where the field is empty */
};

struct results {
    char path[PATH_MAX_LEN];
    char *text;                 /* the whole file; fields point into it */
    char **col;                 /* the header's fields */
    unsigned ncols, nparams, nstats;
    struct row *row;
    unsigned nrows, nok;
    char **field;               /* nrows * ncols */
    double *val;                /* nrows * nstats */
};

/* Loads DIR/results.csv; reports the file and line of what is wrong. */
int results_load(struct results *r, const char *dir);
void results_free(struct results *r);

const char *param_key(const struct results *r, unsigned p);
const char *stat_name(const struct results *r, unsigned s);
/* The statistic's column, or -1: printf-style name. */
int stat_find(const struct results *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A row's statistic; NAN when there is no such row or column, or the field is empty. */
double stat_at(const struct row *w, int s);

/* Reads the whole file and its length; NULL (errno set) when it cannot. */
char *plot_read_file(const char *path, size_t *length);
/* "iommusim plot: FILE:LINE: error: ..." on stderr. */
void plot_csv_error(const struct results *r, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A finite decimal number, the whole of s; no blanks, no nan or inf. */
bool plot_parse_number(const char *s, double *v);

/* Splits a statistic's name at its dots; the number of segments (max + 1 if more). */
unsigned plot_split_name(const char *name, const char **seg, size_t *len, unsigned max);
bool plot_seg_is(const char *seg, size_t len, const char *word);

/* An SMMU context seen in smmu.S.ctx.C.miss_rate, with the columns the figures use. */
struct context {
    char smmu[NAME_MAX_LEN], name[NAME_MAX_LEN];
    char subject[NAME_MAX_LEN];     /* C, or S-C when two SMMUs have a context C */
    int miss_rate, translations, desc_reads;
};

/* A master seen in master.M.bytes_read. */
struct master {
    char name[NAME_MAX_LEN];
    int bytes_read, bytes_written, bursts, frames, late_frames, underruns;
    int timed;                  /* translation_ns.count: 0 at every point of a functional run */
};

unsigned find_contexts(const struct results *r, struct context *ctx, unsigned max);
unsigned find_masters(const struct results *r, struct master *m, unsigned max);

/* ---- What the sweep varied, a figure's points, data files (plot_select.c) --------------- */

/*
 * The parameters a figure can use, recognised by how their key ends: the sweep's
 * keys are the --set paths (smmus.*.tlb.entries, buffers.fb.policy, ...).
 */
enum role { ROLE_ENTRIES, ROLE_POLICY, ROLE_FRAG, NROLES };

/* A figure whose data file is written: what gnuplot is told to draw it. */
struct plot {
    char name[NAME_MAX_LEN];    /* file base: KIND-SUBJECT */
    const char *script;
    char title[TITLE_MAX];      /* "SCENARIO: what is drawn" */
    char subtitle[TITLE_MAX];   /* its subject, and the params held */
    unsigned ncol, nrows;       /* the data file's columns, and its rows of values */
    char *colmax;               /* each column's largest value, space-separated */
    bool pdf;                   /* gnuplot drew NAME.pdf too (it has pdfcairo) */
};

struct plotter {
    const struct results *r;
    const char *dir;            /* the sweep's directory */
    const char *outdir;
    const char *scenario;       /* the name in every title */
    int role[NROLES];           /* a param index, -1 when no key has the role */
    bool varies[NROLES];
    const struct row *first;    /* the first ok row: every param's "first value" */
    struct plot *plot;
    unsigned nplots;
    char (*skipped)[NOTE_MAX];
    unsigned nskipped;
    bool failed;                /* an error was reported: make nothing more */
    const char *source;         /* --mrc: the CSV drawn (NULL: DIR/results.csv) */
    unsigned source_rows;       /* --mrc: its rows */
};

/* Finds the param of each role and checks the values of the numeric ones. */
int find_roles(struct plotter *pl);

/*
 * A figure has one or two axes (params it spreads its points over). Every other
 * param the sweep varied is held at its first value, the one of the first point
 * that succeeded, and the subtitle says so.
 */
struct selection {
    bool *use;                  /* per row */
    char held[TITLE_MAX];       /* "KEY = VALUE, ..." of the params held, or "" */
};

/* The distinct values of a param over the selected rows, in their axis order. */
struct values {
    const char **v;
    unsigned n;
};

int select_rows(const struct plotter *pl, const int *axis, unsigned naxes, int pin_param,
                const char *pin_value, struct selection *sel);
int distinct_values(const struct plotter *pl, const struct selection *sel, int param,
                    enum role ro, struct values *vs);
/* The first selected row whose params a and b (-1: any) have these values. */
const struct row *find_row(const struct plotter *pl, const struct selection *sel, int a,
                           const char *va, int b, const char *vb);
/* Whether the statistic is above zero at some selected row. */
bool any_positive(const struct results *r, const struct selection *sel, int s);
/*
 * The rows of a figure drawn per page-size policy, and the policies among them: 0, or
 * -1 once the skip (the sweep does not vary the policy) or the lack of memory has
 * been noted.
 */
int policy_rows(struct plotter *pl, const char *kind, struct selection *sel, struct values *ps);

/* A number as the data files write it: 9 significant digits, "?" when missing. */
const char *plot_fmt_num(double v, char *buf, size_t len);
/* A param value or a name as one word of a data file: no blanks, quotes or '#'. */
const char *plot_fmt_word(const char *s, char *buf, size_t len);

/*
 * A data file being written, PLOTDIR/NAME.dat: comment lines, a line naming the
 * columns, then the rows. It keeps each column's largest value for the script,
 * which needs a y range that is not 0 to 0 when every value is 0.
 */
struct dat {
    struct outfile out;                 /* out.f: the lines go here (sim/core/outfile.h) */
    char path[PATH_MAX_LEN];
    double *top;
    unsigned ncol, col;         /* columns per line; the next one */
    unsigned rows, values;      /* lines written after the header; numbers not missing */
};

/*
 * Opens the file and writes the comment lines: fmt (one or more lines) says what
 * the figure shows, then the params held at one value and the missing-value mark.
 */
bool dat_open(struct plotter *pl, struct dat *d, const char *name, unsigned ncol,
              const struct selection *sel, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The next field: a word (a column's name, a row's label) or a number. */
void dat_word(struct dat *d, const char *s);
void dat_num(struct dat *d, double v);
/*
 * Closes the data file and records the figure to draw from it; or, when not one of
 * its numbers is there (every one missing), removes it and notes the figure as not
 * drawn: an empty figure says nothing.
 */
void dat_close(struct plotter *pl, struct dat *d, const char *name, const char *script,
               const char *title, const char *subtitle);

/* A figure's subtitle: its subject, then the params held at one value. */
void plot_subtitle(char *buf, size_t len, const struct selection *sel, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A figure not drawn: the line printed and listed under "Not drawn" in index.md. */
void plot_skip(struct plotter *pl, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void plot_skip_unvaried(struct plotter *pl, const char *kind, enum role ro);
void plot_oom(struct plotter *pl);

/* ---- The figures (plot_figures.c) ------------------------------------------------------- */

void plot_miss_rate(struct plotter *pl, const struct context *ctx, unsigned nctx);
void plot_desc_reads(struct plotter *pl, const struct context *ctx, unsigned nctx,
                     const struct master *m, unsigned nm);
void plot_latency(struct plotter *pl, const struct master *m, unsigned nm);
void plot_frames(struct plotter *pl, const struct master *m, unsigned nm);
void plot_page_mix(struct plotter *pl);

/* ---- The miss-ratio curve of tlb runs (plot_mrc.c) ------------------------------------- */

/* Reads FILE (entries,page_size,misses,references) and writes mrc.dat; -1 after the
 * message (a malformed file names its line). */
int plot_mrc(struct plotter *pl, const char *path);

/* ---- Whole histograms of the points (plot_hist.c) -------------------------------------- */

/*
 * The latency distribution of one master, one column per page-size policy, drawn
 * from the histograms.csv of each policy's point (DIR/points/NNNN/, written by
 * iommusim run). 0 when the data file was written (or the figure noted as not
 * drawn), 1 when some point has no histograms.csv (nothing written: the caller
 * draws the quantiles instead), -1 after an error (pl->failed).
 */
int plot_latency_hists(struct plotter *pl, const struct selection *sel, const struct values *ps,
                       const char *master, const char *name, const char *sub);

/* ---- gnuplot, index.md (plot_gnuplot.c) ------------------------------------------------- */

/* gnuplot's full path from PATH, or false. */
bool find_gnuplot(char *path, size_t len);
/* The plots/ directory (see plots/README.md); -1 after the message. */
int find_scripts(char *dir, size_t len);
/* Draws one figure: NAME.png, NAME.svg, and NAME.pdf when gnuplot has pdfcairo. */
int run_gnuplot(const char *gnuplot, const char *scripts, const char *outdir, struct plot *p);
int write_index(const struct plotter *pl, bool images);
/* Removes PLOTDIR/NAME.png, .svg and .pdf of an earlier run, so that none is left
 * that this run did not draw (a figure now empty, a PDF from another gnuplot). */
void plot_remove_images(const char *outdir, const char *name);

/* ---- A run's intervals (plot_intervals.c) ---------------------------------------------- */

/*
 * `iommusim plot RUNDIR`: a figure per context and per master of RUNDIR/intervals.csv
 * into outdir (created by the caller), and outdir/index.md. The exit status.
 */
int plot_intervals(const char *dir, const char *outdir, const char *title);

#endif
