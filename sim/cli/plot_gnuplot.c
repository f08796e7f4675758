/*
 * plot_gnuplot.c - `iommusim plot`: finding gnuplot and the scripts of plots/,
 * running one script per figure, and index.md, the list of what was drawn and
 * what was not. sim/cli/plot.h lists the parts of the command.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/outfile.h"
#include "sim/cli/plot.h"

extern char **environ;

/* ---- gnuplot ---------------------------------------------------------------------------- */

/* gnuplot's full path from PATH, or false. */
bool find_gnuplot(char *path, size_t len)
{
    const char *env = getenv("PATH");

    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t n = colon ? (size_t)(colon - env) : strlen(env);
        struct stat st;
        if (n + sizeof("/" GNUPLOT) <= len) {
            plot_fmt(path, len, "%.*s/" GNUPLOT, (int)n, n ? env : ".");
            if (!n)
                plot_fmt(path, len, "./" GNUPLOT);
            if (!stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK))
                return true;
        }
        env = colon ? colon + 1 : NULL;
    }
    return false;
}

static bool has_scripts(const char *dir)
{
    char path[PATH_MAX_LEN];

    plot_fmt(path, sizeof(path), "%s/" SCRIPT_COMMON, dir);
    return !access(path, R_OK);
}

/*
 * The plots/ directory: $IOMMUSIM_PLOTS, else the shared files beside the program
 * (cli_data_dir: PREFIX/share/iommusim/plots installed, the tree's plots/ from
 * build/iommusim or build/asan/iommusim), else ./plots.
 */
int find_scripts(char *dir, size_t len)
{
    const char *env = getenv(PLOTS_ENV);

    if (env && *env) {
        plot_fmt(dir, len, "%s", env);
        if (strlen(env) + PATH_ROOM < len && has_scripts(dir))
            return 0;
        cli_error(CMD, "%s=%s: no " SCRIPT_COMMON " there (it names the directory of the "
                  "plot scripts, plots/ in the source tree)", PLOTS_ENV, env);
        return -1;
    }
    if (!cli_data_dir("plots", SCRIPT_COMMON, dir, len) && strlen(dir) + PATH_ROOM < len)
        return 0;
    cli_error(CMD, "cannot find the plot scripts (" SCRIPT_COMMON " in $%s, in "
              "../share/iommusim/plots, ../plots or ../../plots beside the program, or in "
              "./plots); set %s to the source tree's plots/", PLOTS_ENV, PLOTS_ENV);
    return -1;
}

/* gnuplot's -e text: NAME='VALUE';... with every quote in a value doubled. */
struct gp_vars {
    char text[4 * PATH_MAX_LEN + 4 * TITLE_MAX];
    size_t len;
    bool overflow;
};

static void gp_put(struct gp_vars *v, char c)
{
    if (v->len + 1 < sizeof(v->text))
        v->text[v->len++] = c;
    else
        v->overflow = true;
    v->text[v->len] = 0;
}

/* A string variable; a control byte becomes a blank (every value is one line). */
static void gp_string(struct gp_vars *v, const char *name, const char *value)
{
    if (v->len)
        gp_put(v, ';');
    for (; *name; name++)
        gp_put(v, *name);
    gp_put(v, '=');
    gp_put(v, '\'');
    for (; *value; value++) {
        if (*value == '\'')
            gp_put(v, '\'');
        gp_put(v, (unsigned char)*value < ' ' ? ' ' : *value);
    }
    gp_put(v, '\'');
}

/* The image formats a script may draw (plots/common.gp's `formats`). */
static const char *const image_ext[] = { "png", "svg", "pdf" };
#define NIMAGE_EXT  (sizeof(image_ext) / sizeof(image_ext[0]))

/* The temporaries gnuplot wrote for figure p (OUTDIR/NAME.tmp.PID.EXT) go. */
static void drop_images(const char *outdir, const struct plot *p)
{
    char tmp[PATH_MAX_LEN + 48];

    for (unsigned k = 0; k < NIMAGE_EXT; k++) {
        plot_fmt(tmp, sizeof(tmp), "%s/%s.tmp.%ld.%s", outdir, p->name, (long)getpid(),
                 image_ext[k]);
        unlink(tmp);
    }
}

void plot_remove_images(const char *outdir, const char *name)
{
    char path[PATH_MAX_LEN + 8];

    for (unsigned k = 0; k < NIMAGE_EXT; k++) {
        plot_fmt(path, sizeof(path), "%s/%s.%s", outdir, name, image_ext[k]);
        unlink(path);
    }
}

/*
 * gnuplot exits 0 even when it could not write its output (a full disk leaves an
 * empty or cut image): each image must be whole before it is renamed into place. The
 * PNG and SVG must be there; the PDF only when this gnuplot has pdfcairo.
 */
static int keep_images(const char *outdir, struct plot *p)
{
    char tmp[PATH_MAX_LEN + 48], path[PATH_MAX_LEN + 8];
    bool keep[NIMAGE_EXT];
    int rc;

    for (unsigned k = 0; k < NIMAGE_EXT; k++) {
        plot_fmt(tmp, sizeof(tmp), "%s/%s.tmp.%ld.%s", outdir, p->name, (long)getpid(),
                 image_ext[k]);
        plot_fmt(path, sizeof(path), "%s/%s.%s", outdir, p->name, image_ext[k]);
        bool there = !access(tmp, F_OK);
        keep[k] = there;
        if (k >= 2 && !there)
            continue;                   /* no pdfcairo */
        if (!cli_file_whole(tmp)) {
            struct statvfs fs;
            bool full = !statvfs(outdir, &fs) && fs.f_bavail == 0;

            cli_error(CMD, "cannot write %s: %sgnuplot left it %s", path,
                      full ? "No space left on device: " : "",
                      there ? "empty or cut short" : "missing");
            drop_images(outdir, p);
            return -1;
        }
    }
    for (unsigned k = 0; k < NIMAGE_EXT; k++) {
        if (!keep[k])
            continue;
        plot_fmt(tmp, sizeof(tmp), "%s/%s.tmp.%ld.%s", outdir, p->name, (long)getpid(),
                 image_ext[k]);
        plot_fmt(path, sizeof(path), "%s/%s.%s", outdir, p->name, image_ext[k]);
        if ((rc = cli_rename_tmp(tmp, path))) {
            cli_error(CMD, "cannot write %s: %s", path, strerror(-rc));
            drop_images(outdir, p);
            return -1;
        }
    }
    p->pdf = keep[2];
    if (!p->pdf) {
        /* a PDF of an earlier run would not match the figure this run drew */
        plot_fmt(path, sizeof(path), "%s/%s.pdf", outdir, p->name);
        unlink(path);
    }
    return 0;
}

int run_gnuplot(const char *gnuplot, const char *scripts, const char *outdir, struct plot *p)
{
    struct gp_vars v = { .len = 0 };
    char path[PATH_MAX_LEN], script[PATH_MAX_LEN], ncol[32];
    pid_t pid;
    int st, rc;

    plot_fmt(script, sizeof(script), "%s/%s", scripts, p->script);
    gp_string(&v, "plotsdir", scripts);
    plot_fmt(path, sizeof(path), "%s/%s.dat", outdir, p->name);
    gp_string(&v, "datafile", path);
    plot_fmt(path, sizeof(path), "%s/%s.tmp.%ld", outdir, p->name, (long)getpid());
    gp_string(&v, "outbase", path);
    gp_string(&v, "title", p->title);
    gp_string(&v, "subtitle", p->subtitle);
    gp_string(&v, "colmax", p->colmax);
    plot_fmt(ncol, sizeof(ncol), ";ncol=%u;nrows=%u", p->ncol, p->nrows);
    for (const char *c = ncol; *c; c++)
        gp_put(&v, *c);
    if (v.overflow) {
        cli_error(CMD, "%s: the paths and titles are too long for gnuplot's command line",
                  p->name);
        return -1;
    }
    char *argv[] = { (char *)GNUPLOT, (char *)"-e", v.text, script, NULL };
    fflush(stdout);
    fflush(stderr);
    rc = posix_spawn(&pid, gnuplot, NULL, NULL, argv, environ);
    if (rc) {
        cli_error(CMD, "cannot run %s: %s", gnuplot, strerror(rc));
        return -1;
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            cli_error(CMD, "waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        cli_error(CMD, "gnuplot failed on %s for %s (%s %d)", script, p->name,
                  WIFEXITED(st) ? "exit status" : "signal",
                  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        drop_images(outdir, p);
        return -1;
    }
    return keep_images(outdir, p);
}

/* ---- index.md, names, the command ------------------------------------------------------ */

int write_index(const struct plotter *pl, bool images)
{
    const struct results *r = pl->r;
    char path[PATH_MAX_LEN], err[PATH_MAX_LEN + 128];
    struct outfile out;
    FILE *f;

    plot_fmt(path, sizeof(path), "%s/index.md", pl->outdir);
    if (outfile_open(&out, path, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    f = out.f;
    fprintf(f, "# Plots of %s\n\n", pl->scenario);
    if (pl->source)
        fprintf(f, "Made by `iommusim plot --mrc` from %s: %u row%s.\n", pl->source,
                pl->source_rows, pl->source_rows == 1 ? "" : "s");
    else
        fprintf(f, "Made by `iommusim plot` from results.csv: %u point%s, %u failed (left "
                "out).\n", r->nrows, r->nrows == 1 ? "" : "s", r->nrows - r->nok);
    fprintf(f, "Each figure's numbers are in its .dat file; plots/README.md in the source "
               "tree says how to read them.\n");
    if (!images)
        fprintf(f, "\nNo images: gnuplot was not found when these files were made.\n");
    for (unsigned i = 0; i < pl->nplots; i++) {
        const struct plot *p = &pl->plot[i];
        fprintf(f, "\n## %s\n\n%s (%s)\n\n", p->name, p->title, p->subtitle);
        if (images)
            fprintf(f, "![%s](%s.png)\n\n[SVG](%s.svg), %s%s%s[data](%s.dat)\n", p->name,
                    p->name, p->name, p->pdf ? "[PDF](" : "", p->pdf ? p->name : "",
                    p->pdf ? ".pdf), " : "", p->name);
        else
            fprintf(f, "[data](%s.dat)\n", p->name);
    }
    if (pl->nskipped) {
        fprintf(f, "\n## Not drawn\n\n");
        for (unsigned i = 0; i < pl->nskipped; i++)
            fprintf(f, "- %s\n", pl->skipped[i]);
    }
    if (outfile_commit(&out, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    return 0;
}
