/*
 * cmd_plot.c - `iommusim plot`: figures from a sweep's results.csv, or the
 * miss-ratio curve of tlb runs (--mrc).
 *
 * A sweep (`iommusim sweep`) leaves DIR/results.csv: a header
 * `point,status,param:KEY...,STAT...` and one row per point of the parameter
 * grid. This command reads it, decides which figures the swept parameters allow
 * (a TLB size, a page-size policy, the RAM fragmentation: recognised by how their
 * key ends), and for each one writes a small whitespace-separated data file and
 * has gnuplot draw it with a script from plots/ as PNG, SVG and PDF. The C side
 * does all the arithmetic, so a data file says exactly what its figure shows; the
 * scripts only lay it out. plots/README.md describes each figure; sim/cli/plot.h
 * lists the files of the command (reading, choosing points, figures, histograms,
 * the miss-ratio curve, gnuplot).
 *
 * Without gnuplot the data files are still written and the images are skipped
 * with a note: plotting is optional, the numbers are not.
 */
#define _DEFAULT_SOURCE         /* POSIX.1-2008 and realpath */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/opts.h"
#include "sim/cli/plot.h"

/* The scenario's name: sweep.txt's scenario= (a path loses its directory and .yaml). */
static void scenario_name(const char *dir, char *name, size_t len)
{
    char path[PATH_MAX_LEN], line[PATH_MAX_LEN], real[PATH_MAX];
    const char *d, *slash;
    FILE *f;

    name[0] = 0;
    plot_fmt(path, sizeof(path), "%s/" SWEEP_FILE, dir);
    f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "scenario=", 9))
            continue;
        char *v = line + 9, *base = strrchr(v, '/');
        v[strcspn(v, "\r\n")] = 0;
        if (base)
            v = base + 1;
        size_t n = strlen(v);
        if (n > 5 && !strcmp(v + n - 5, ".yaml"))
            v[n - 5] = 0;
        else if (n > 4 && !strcmp(v + n - 4, ".yml"))
            v[n - 4] = 0;
        plot_fmt(name, len, "%s", v);
        break;
    }
    if (f)
        fclose(f);
    if (name[0])
        return;
    /* else the directory's own name */
    d = realpath(dir, real) ? real : dir;
    slash = strrchr(d, '/');
    plot_fmt(name, len, "%s", slash && slash[1] ? slash + 1 : d);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim plot DIR [--out PLOTDIR] [--title TEXT]\n"
            "       iommusim plot --mrc FILE.csv [--out PLOTDIR] [--title TEXT]\n\n"
            "Draws a sweep's results (DIR/results.csv, from iommusim sweep) as PNG, SVG and\n"
            "PDF figures with gnuplot, each beside the data file it is drawn from:\n"
            "  miss-rate-CONTEXT    TLB miss rate vs TLB entries, a line per page-size policy\n"
            "  desc-reads-all       descriptor reads per KiB transferred, per policy\n"
            "  latency-cdf-MASTER   translation latency distribution, a line per policy,\n"
            "                       from every bucket of DIR/points/*/histograms.csv\n"
            "  frames-MASTER        late frames and display underruns, per policy\n"
            "  page-mix-POLICY      share of each page size (by count, by bytes) vs RAM\n"
            "                       fragmentation\n"
            "and index.md listing them. A figure is made when the sweep varies what it\n"
            "needs (a param ending in tlb.entries, .policy or fragmentation); otherwise a\n"
            "line says why not.\n\n"
            "With --mrc, the miss-ratio curve of iommusim tlb runs instead: FILE.csv has a\n"
            "header naming entries,page_size,misses,references (other columns ignored) and\n"
            "a row per run; mrc.dat and its figure show misses / references (%%) against\n"
            "TLB entries, a line per page size.\n\n"
            "A run's directory with DIR/intervals.csv (iommusim run --stats-interval) and no\n"
            "results.csv gives its figures over time instead:\n"
            "  intervals-ctx-CONTEXT    misses, merged misses and walks per interval\n"
            "  intervals-master-MASTER  bandwidth and translation latency per interval\n\n"
            "  --out PLOTDIR  where to write (default DIR/plots, or plots beside FILE.csv;\n"
            "                 created)\n"
            "  --title TEXT   the name in every title (default: the scenario of\n"
            "                 DIR/sweep.txt, else DIR's name; FILE's name without .csv)\n"
            "  --mrc FILE.csv the miss-ratio curve of tlb runs (no DIR)\n"
            "  --help         this text\n\n"
            "The scripts are found in $" PLOTS_ENV ", else beside the program (installed:\n"
            "../share/iommusim/plots; in the source tree: ../plots or ../../plots), else in\n"
            "./plots. Without gnuplot only the data files are written; PDF needs gnuplot's\n"
            "pdfcairo terminal. A figure without a single value is not drawn (a note says).\n"
            "Exit status: 0 done, 1 results.csv (or FILE.csv) is missing or malformed or an\n"
            "output cannot be written, 2 usage error. plots/README.md explains the figures.\n");
}

enum { OPT_OUT = 256, OPT_TITLE, OPT_MRC };

static const struct option plot_options[] = {
    { "out",   required_argument, NULL, OPT_OUT },
    { "title", required_argument, NULL, OPT_TITLE },
    { "mrc",   required_argument, NULL, OPT_MRC },
    { "help",  no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

/* getopt_long's own complaints, in this program's words. */
static int option_error(int c, char **argv)
{
    if (c == ':')
        cli_error(CMD, "%s needs a value", argv[optind - 1]);
    else
        cli_error(CMD, "unknown option '%s' (options: --out, --title, --mrc, --help)",
                  argv[optind - 1]);
    return CLI_USAGE;
}

/* Returns 0, CLI_USAGE after the message, or -1 after --help. */
static int parse_args(int argc, char **argv, const char **dir, const char **out,
                      const char **title, const char **mrc)
{
    struct cli_once once = { 0 };
    int c;

    opterr = 0;
    optind = 0;                         /* full reinitialisation (GNU) */
    while ((c = getopt_long(argc, argv, ":h", plot_options, NULL)) != -1) {
        const char **slot = c == OPT_OUT ? out : c == OPT_TITLE ? title : mrc;

        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        if (c != OPT_OUT && c != OPT_TITLE && c != OPT_MRC)
            return option_error(c, argv);
        if (!*optarg) {
            cli_error(CMD, "--%s needs a non-empty value", plot_options[c - OPT_OUT].name);
            return CLI_USAGE;
        }
        if (cli_once_getopt(CMD, &once, plot_options, c, optarg))
            return CLI_USAGE;
        if (c == OPT_OUT && cli_out_dir(CMD, "--out", optarg))
            return CLI_USAGE;
        *slot = optarg;
    }
    for (int i = optind; i < argc; i++) {
        if (*dir) {
            cli_error(CMD, "one directory at a time: '%s' and '%s'", *dir, argv[i]);
            return CLI_USAGE;
        }
        *dir = argv[i];
    }
    if (*mrc && *dir) {
        cli_error(CMD, "--mrc %s and the directory '%s': one or the other", *mrc, *dir);
        return CLI_USAGE;
    }
    if (*mrc)
        *dir = *mrc;            /* for the length check; the caller tells them apart */
    if (!*dir) {
        cli_error(CMD, "missing the sweep directory (iommusim plot DIR)");
        return CLI_USAGE;
    }
    if (strlen(*dir) + PATH_ROOM >= PATH_MAX_LEN ||
        (*out && strlen(*out) + PATH_ROOM >= PATH_MAX_LEN)) {
        cli_error(CMD, "%s: the path is too long (at most %d bytes)",
                  strlen(*dir) + PATH_ROOM >= PATH_MAX_LEN ? (*mrc ? "--mrc" : "DIR") : "--out",
                  PATH_MAX_LEN - PATH_ROOM - 1);
        return CLI_USAGE;
    }
    return 0;
}

static int draw(struct plotter *pl);

/* Writes every figure's data file, then has gnuplot draw them; the exit status. */
static int make_plots(struct plotter *pl)
{
    const struct results *r = pl->r;
    struct context *ctx = calloc(r->nstats ? r->nstats : 1, sizeof(*ctx));
    struct master *m = calloc(r->nstats ? r->nstats : 1, sizeof(*m));
    int status = CLI_FAILED;

    if (!ctx || !m) {
        cli_error(CMD, "out of memory");
        goto out;
    }
    unsigned nctx = find_contexts(r, ctx, r->nstats);
    unsigned nm = find_masters(r, m, r->nstats);

    if (r->nok < r->nrows)
        printf("note: %u of %u points failed and are left out\n", r->nrows - r->nok, r->nrows);
    plot_miss_rate(pl, ctx, nctx);
    if (!pl->failed)
        plot_desc_reads(pl, ctx, nctx, m, nm);
    if (!pl->failed)
        plot_latency(pl, m, nm);
    if (!pl->failed)
        plot_frames(pl, m, nm);
    if (!pl->failed)
        plot_page_mix(pl);
    if (!pl->failed)
        status = draw(pl);
out:
    free(ctx);
    free(m);
    return status;
}

/* Has gnuplot draw every figure whose data file is written, then index.md; the exit
 * status. */
static int draw(struct plotter *pl)
{
    char gnuplot[PATH_MAX_LEN], scripts[PATH_MAX_LEN];
    bool images, no_pdf = false;

    images = find_gnuplot(gnuplot, sizeof(gnuplot));
    if (images && pl->nplots && find_scripts(scripts, sizeof(scripts)))
        return CLI_FAILED;
    for (unsigned i = 0; i < pl->nplots; i++) {
        const struct plot *p = &pl->plot[i];
        if (images && run_gnuplot(gnuplot, scripts, pl->outdir, &pl->plot[i]))
            return CLI_FAILED;
        printf("wrote %s/%s.dat%s%s\n", pl->outdir, p->name, images ? ", .png, .svg" : "",
               p->pdf ? ", .pdf" : "");
        no_pdf |= images && !p->pdf;
    }
    if (write_index(pl, images))
        return CLI_FAILED;
    printf("wrote %s/index.md (%u figure%s)\n", pl->outdir, pl->nplots,
           pl->nplots == 1 ? "" : "s");
    if (!images)
        fprintf(stderr, "iommusim " CMD ": gnuplot not found; plots skipped (install "
                "gnuplot-nox)\n");
    else if (no_pdf)
        fprintf(stderr, "iommusim " CMD ": this gnuplot has no pdfcairo terminal; PDF "
                "skipped (PNG and SVG written)\n");
    return CLI_OK;
}

/* The output directory, made: --out, else DEFAULT; -1 after the message. */
static int make_outdir(char *outdir, size_t len, const char *out, const char *dflt)
{
    int rc;

    plot_fmt(outdir, len, "%s", out ? out : dflt);
    if ((rc = cli_make_dir(outdir))) {
        cli_error(CMD, "%s%s: cannot create the directory: %s", out ? "--out " : "", outdir,
                  strerror(-rc));
        return -1;
    }
    return 0;
}

/* iommusim plot --mrc FILE: the one figure of plot_mrc.c; the exit status. */
static int plot_mrc_file(const char *file, const char *out, const char *title)
{
    char outdir[PATH_MAX_LEN], dflt[PATH_MAX_LEN], name[TITLE_MAX];
    const char *slash = strrchr(file, '/'), *base = slash ? slash + 1 : file;
    struct plotter pl = { 0 };
    struct plot plot = { 0 };
    char skipped[NKINDS][NOTE_MAX];
    struct results none = { .nrows = 0 };
    size_t n = strlen(base);
    int status = CLI_FAILED;

    plot_fmt(dflt, sizeof(dflt), "%.*splots", slash ? (int)(slash - file + 1) : 0, file);
    if (make_outdir(outdir, sizeof(outdir), out, dflt))
        return CLI_FAILED;
    if (title)
        plot_fmt(name, sizeof(name), "%s", title);
    else
        plot_fmt(name, sizeof(name), "%.*s", n > 4 && !strcmp(base + n - 4, ".csv") ?
                 (int)(n - 4) : (int)n, base);
    pl.r = &none;
    pl.outdir = outdir;
    pl.scenario = name;
    pl.plot = &plot;
    pl.skipped = skipped;
    pl.source = file;
    if (!plot_mrc(&pl, file))
        status = draw(&pl);
    free(plot.colmax);
    return status;
}

/* DIR has a run's intervals.csv and no sweep's results.csv. */
static bool intervals_only(const char *dir)
{
    char path[PATH_MAX_LEN];

    plot_fmt(path, sizeof(path), "%s/" RESULTS_FILE, dir);
    if (!access(path, F_OK))
        return false;
    plot_fmt(path, sizeof(path), "%s/intervals.csv", dir);
    return !access(path, F_OK);
}

int cmd_plot(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *title = NULL, *mrc = NULL;
    char outdir[PATH_MAX_LEN], name[TITLE_MAX], dflt[PATH_MAX_LEN];
    struct plotter pl = { 0 };
    struct results r;
    int rc = parse_args(argc, argv, &dir, &out, &title, &mrc), status = CLI_FAILED;

    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (mrc)
        return plot_mrc_file(mrc, out, title);
    if (intervals_only(dir)) {
        /* a run's directory: its figures over time */
        plot_fmt(outdir, sizeof(outdir), "%s%s", out ? out : dir, out ? "" : "/plots");
        if ((rc = cli_make_dir(outdir))) {
            cli_error(CMD, "%s%s: cannot create the directory: %s", out ? "--out " : "",
                      outdir, strerror(-rc));
            return CLI_FAILED;
        }
        return plot_intervals(dir, outdir, title);
    }
    if (results_load(&r, dir))
        goto out;
    if (!r.nrows) {
        cli_error(CMD, "%s: error: no points, only the header: nothing to plot", r.path);
        goto out;
    }
    if (!r.nok) {
        cli_error(CMD, "%s: error: no point succeeded (%u row%s, all failed): nothing to plot",
                  r.path, r.nrows, r.nrows == 1 ? "" : "s");
        goto out;
    }
    plot_fmt(dflt, sizeof(dflt), "%s/plots", dir);
    if (make_outdir(outdir, sizeof(outdir), out, dflt))
        goto out;
    if (title)
        plot_fmt(name, sizeof(name), "%s", title);
    else
        scenario_name(dir, name, sizeof(name));

    pl.r = &r;
    pl.dir = dir;
    pl.outdir = outdir;
    pl.scenario = name;
    for (unsigned i = 0; i < r.nrows && !pl.first; i++)
        if (r.row[i].ok)
            pl.first = &r.row[i];
    /* at most a figure per context, two per master, and the two single ones; a note
     * for each of those, and one per kind */
    pl.plot = calloc(3 * (size_t)r.nstats + 2, sizeof(*pl.plot));
    pl.skipped = calloc(3 * (size_t)r.nstats + 2 + NKINDS, sizeof(*pl.skipped));
    if (!pl.plot || !pl.skipped) {
        cli_error(CMD, "out of memory");
        goto out;
    }
    if (!find_roles(&pl))
        status = make_plots(&pl);
out:
    for (unsigned i = 0; pl.plot && i < pl.nplots; i++)
        free(pl.plot[i].colmax);
    free(pl.plot);
    free(pl.skipped);
    results_free(&r);
    return status;
}
