/*
 * plot_intervals.c - `iommusim plot RUNDIR`: a run's counters over time, from the
 * RUNDIR/intervals.csv that `iommusim run --stats-interval T` writes (docs/stats.md,
 * "Over time").
 *
 * One figure per SMMU context (intervals-ctx-CONTEXT: misses, merged misses and walks
 * in each interval) and one per master (intervals-master-MASTER: bandwidth in MB/s and
 * the translation latency's p50, p99 and max in each interval), each drawn by
 * plots/intervals-ctx.gp or intervals-master.gp from a whitespace-separated data file
 * beside it, with plot_gnuplot.c's finders and runner, as for a sweep's figures. A
 * figure whose counters are all zero is skipped with a note; without gnuplot only the
 * data files are written. Every file is written under a temporary name and renamed.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/plot.h"

#define INTERVALS_FILE  "intervals.csv"
#define HEADER          "interval_start_ps,interval_end_ps,name,stat,value"
#define MAX_FIGS        64
#define MAX_COLS        4
#define NAME_LEN        160
#define PATH_LEN        PATH_MAX_LEN
#define PS_PER_MS       1e9
#define KIND(f)         ((f)->kind == FIG_CTX ? "ctx" : "master")

enum fig_kind { FIG_CTX, FIG_MASTER };

/* The columns of each kind after time_ms, and the stats they come from. */
static const char *const ctx_stats[MAX_COLS] = { "misses", "merged_misses", "walks", NULL };
static const char *const master_cols[MAX_COLS] = { "MB/s", "p50_ns", "p99_ns", "max_ns" };

struct figure {
    enum fig_kind kind;
    char object[NAME_LEN];      /* "smmu.rot.ctx.rot_src", "master.rot" */
    const char *subject;        /* the context's or master's own name, inside object */
    double *v;                  /* nint x MAX_COLS, NAN when an interval has no value */
    bool any;                   /* a value above 0 */
};

struct series {
    uint64_t period;
    unsigned nint, nfig;
    struct figure fig[MAX_FIGS];
};

static struct figure *figure_of(struct series *s, enum fig_kind kind, const char *object)
{
    for (unsigned i = 0; i < s->nfig; i++)
        if (s->fig[i].kind == kind && !strcmp(s->fig[i].object, object))
            return &s->fig[i];
    if (s->nfig == MAX_FIGS)
        return NULL;
    struct figure *f = &s->fig[s->nfig++];
    f->kind = kind;
    snprintf(f->object, sizeof(f->object), "%s", object);
    const char *dot = strrchr(f->object, '.');
    f->subject = dot ? dot + 1 : f->object;
    f->v = malloc((size_t)s->nint * MAX_COLS * sizeof(*f->v));
    if (!f->v) {
        s->nfig--;
        return NULL;
    }
    for (size_t k = 0; k < (size_t)s->nint * MAX_COLS; k++)
        f->v[k] = kind == FIG_CTX ? 0.0 : NAN;
    return f;
}

/* The figure column a row feeds, or -1; *obj is the figure's object name. */
static int column_of(const char *name, const char *stat, enum fig_kind *kind, char *obj)
{
    if (!strncmp(name, "smmu.", 5) && strstr(name, ".ctx.")) {
        for (int c = 0; ctx_stats[c]; c++)
            if (!strcmp(stat, ctx_stats[c])) {
                *kind = FIG_CTX;
                snprintf(obj, NAME_LEN, "%s", name);
                return c;
            }
        return -1;
    }
    if (strncmp(name, "master.", 7))
        return -1;
    *kind = FIG_MASTER;
    const char *sub = strchr(name + 7, '.');
    if (!sub) {
        snprintf(obj, NAME_LEN, "%s", name);
        return !strcmp(stat, "bytes_read") || !strcmp(stat, "bytes_written") ? 0 : -1;
    }
    if (strcmp(sub, ".translation_ns"))
        return -1;
    snprintf(obj, NAME_LEN, "%.*s", (int)(sub - name), name);
    return !strcmp(stat, "p50") ? 1 : !strcmp(stat, "p99") ? 2 : !strcmp(stat, "max") ? 3 : -1;
}

static int bad_line(const char *path, unsigned line, const char *why)
{
    cli_error(CMD, "%s:%u: error: %s", path, line, why);
    return -1;
}

/* Two passes over the text: the period and the number of intervals, then the values. */
static int load(struct series *s, const char *path, char *text)
{
    unsigned line = 1;
    char *save = NULL, *p;

    if (strncmp(text, HEADER "\n", sizeof(HEADER)))
        return bad_line(path, 1, "expected the header " HEADER);
    for (int pass = 0; pass < 2; pass++) {
        char *copy = strdup(text + sizeof(HEADER));
        if (!copy) {
            cli_error(CMD, "out of memory");
            return -1;
        }
        line = 1;
        for (p = strtok_r(copy, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
            char name[NAME_LEN], stat[64], value[64] = "", obj[NAME_LEN];
            unsigned long long a, b;
            enum fig_kind kind;
            line++;
            if (sscanf(p, "%llu,%llu,%159[^,],%63[^,],%63s", &a, &b, name, stat, value) < 4 ||
                b <= a) {
                free(copy);
                return bad_line(path, line, "expected START_PS,END_PS,NAME,STAT,VALUE with "
                                "END_PS above START_PS");
            }
            if (!s->period)
                s->period = b - a;
            if (b - a != s->period || a % s->period) {
                free(copy);
                return bad_line(path, line, "the interval is not one of the file's period");
            }
            unsigned k = (unsigned)(a / s->period);
            if (pass == 0) {
                if (k + 1 > s->nint)
                    s->nint = k + 1;
                continue;
            }
            int c = column_of(name, stat, &kind, obj);
            struct figure *f = c < 0 || !value[0] ? NULL : figure_of(s, kind, obj);
            if (!f)
                continue;
            double v = strtod(value, NULL), *cell = &f->v[(size_t)k * MAX_COLS + (size_t)c];
            if (kind == FIG_MASTER && c == 0) {
                /* bytes in the interval as MB/s: bytes * 10^6 / period_ps */
                v = v * 1e6 / (double)s->period;
                *cell = isnan(*cell) ? v : *cell + v;
            } else {
                *cell = v;
            }
            f->any |= v > 0;
        }
        free(copy);
    }
    if (!s->nint)
        return bad_line(path, 1, "no intervals, only the header: nothing to plot");
    return 0;
}

/* NAME.dat: comment lines, the column names, one row per interval. colmax for common.gp. */
static int write_data(const struct series *s, const struct figure *f, const char *path,
                      char *colmax, size_t len)
{
    char err[PATH_LEN + NAME_LEN + 128];
    double max[MAX_COLS] = { 0 };
    struct outfile o;

    if (outfile_open(&o, path, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    FILE *out = o.f;
    fprintf(out, "# %s per interval of %" PRIu64 " ps, from " INTERVALS_FILE "\n", f->object,
            s->period);
    fprintf(out, "time_ms");
    for (int c = 0; c < MAX_COLS; c++) {
        const char *n = f->kind == FIG_CTX ? ctx_stats[c] : master_cols[c];
        if (n)
            fprintf(out, " %s", n);
    }
    fputc('\n', out);
    for (unsigned k = 0; k < s->nint; k++) {
        fprintf(out, "%.6f", (double)k * (double)s->period / PS_PER_MS);
        for (int c = 0; c < MAX_COLS; c++) {
            if (f->kind == FIG_CTX && !ctx_stats[c])
                continue;
            double v = f->v[(size_t)k * MAX_COLS + (size_t)c];
            if (isnan(v)) {
                fprintf(out, " ?");
                continue;
            }
            fprintf(out, " %.6g", v);
            if (v > max[c])
                max[c] = v;
        }
        fputc('\n', out);
    }
    int n = snprintf(colmax, len, "0");
    for (int c = 0; c < MAX_COLS; c++)
        if (f->kind == FIG_MASTER || ctx_stats[c])
            n += snprintf(colmax + n, len - (size_t)n, " %.6g", max[c]);
    if (outfile_commit(&o, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    return 0;
}

int plot_intervals(const char *dir, const char *outdir, const char *title)
{
    char path[PATH_LEN], data[PATH_LEN + NAME_LEN], gnuplot[PATH_LEN], scripts[PATH_LEN];
    char colmax[256], err[PATH_LEN + 128];
    struct plot pl;
    struct series *s = calloc(1, sizeof(*s));
    int status = CLI_FAILED;
    unsigned made = 0;
    struct outfile idx = { .f = NULL };
    FILE *index;

    snprintf(path, sizeof(path), "%s/" INTERVALS_FILE, dir);
    char *text = NULL;
    FILE *f = fopen(path, "r");
    if (!s || !f) {
        cli_error(CMD, "%s: error: cannot open: %s", path, s ? strerror(errno) : "out of memory");
        goto out;
    }
    size_t cap = 1 << 16, len = 0, got;
    text = malloc(cap);
    while (text && (got = fread(text + len, 1, cap - len - 1, f)) > 0)
        if ((len += got) + 1 == cap && !(text = realloc(text, cap *= 2)))
            break;
    fclose(f);
    if (!text) {
        cli_error(CMD, "out of memory");
        goto out;
    }
    text[len] = '\0';
    if (load(s, path, text))
        goto out;

    bool images = find_gnuplot(gnuplot, sizeof(gnuplot));
    if (images && find_scripts(scripts, sizeof(scripts)))
        goto out;
    snprintf(path, sizeof(path), "%s/index.md", outdir);
    if (outfile_open(&idx, path, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        goto out;
    }
    index = idx.f;
    const char *name = title ? title : strrchr(dir, '/') && strrchr(dir, '/')[1]
                                     ? strrchr(dir, '/') + 1 : dir;
    fprintf(index, "# Plots of %s over time\n\nMade by `iommusim plot` from " INTERVALS_FILE
            ": %u intervals of %" PRIu64 " ps.\n", name, s->nint, s->period);
    if (!images)
        fprintf(index, "\nNo images: gnuplot was not found when these files were made.\n");
    for (unsigned i = 0; i < s->nfig; i++) {
        struct figure *fg = &s->fig[i];
        const char *what = fg->kind == FIG_CTX ? "misses, merged misses and walks"
                                               : "bandwidth and translation latency";
        if (!fg->any) {
            printf("skipped intervals-%s-%s: %s has no %s above 0\n", KIND(fg), fg->subject,
                   fg->object, fg->kind == FIG_CTX ? "misses or walks" : "bytes or latency");
            fprintf(index, "\nSkipped intervals-%s-%s: all zero.\n", KIND(fg), fg->subject);
            continue;
        }
        memset(&pl, 0, sizeof(pl));
        snprintf(pl.name, sizeof(pl.name), "intervals-%s-%s", KIND(fg), fg->subject);
        snprintf(data, sizeof(data), "%s/%s.dat", outdir, pl.name);
        if (write_data(s, fg, data, colmax, sizeof(colmax)))
            goto out;
        pl.script = fg->kind == FIG_CTX ? "intervals-ctx.gp" : "intervals-master.gp";
        snprintf(pl.title, sizeof(pl.title), "%s: %s per interval", name, what);
        snprintf(pl.subtitle, sizeof(pl.subtitle), "%s, intervals of %g us", fg->object,
                 (double)s->period / 1e6);
        pl.ncol = fg->kind == FIG_CTX ? 4 : 5;
        pl.nrows = s->nint;
        pl.colmax = colmax;
        if (images && run_gnuplot(gnuplot, scripts, outdir, &pl))
            goto out;
        printf("wrote %s%s\n", data, !images ? "" : pl.pdf ? ", .png, .svg, .pdf" : ", .png, .svg");
        fprintf(index, "\n## %s\n\n%s (%s)\n", pl.name, pl.title, pl.subtitle);
        if (images)
            fprintf(index, "\n![intervals-%s-%s](intervals-%s-%s.png)\n", KIND(fg), fg->subject,
                    KIND(fg), fg->subject);
        made++;
    }
    if (outfile_commit(&idx, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        goto out;
    }
    printf("wrote %s/index.md (%u figure%s)\n", outdir, made, made == 1 ? "" : "s");
    if (!images)
        fprintf(stderr, "iommusim " CMD ": gnuplot not found; plots skipped (install "
                "gnuplot-nox)\n");
    status = CLI_OK;
out:
    outfile_abort(&idx);
    for (unsigned i = 0; s && i < s->nfig; i++)
        free(s->fig[i].v);
    free(s);
    free(text);
    return status;
}
