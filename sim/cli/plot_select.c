/*
 * plot_select.c - `iommusim plot`: what the sweep varied (the params recognised by
 * how their key ends), the points of a figure (the others held at their first
 * value), and the data file each figure is drawn from, with the notes of the
 * figures not drawn. sim/cli/plot.h lists the parts of the command.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/plot.h"

/* ---- What the sweep varied ------------------------------------------------------------- */

/*
 * The parameters a figure can use, recognised by how their key ends: the sweep's
 * keys are the --set paths (smmus.*.tlb.entries, buffers.fb.policy, ...).
 */
static const struct role_desc {
    const char *suffix;
    const char *what;           /* for "the sweep does not vary ..." */
    bool numeric;
} roles[NROLES] = {
    [ROLE_ENTRIES] = { "tlb.entries", "a TLB size (a param: key ending in tlb.entries)", true },
    [ROLE_POLICY]  = { "policy", "a page-size policy (a param: key ending in .policy)", false },
    [ROLE_FRAG]    = { "fragmentation",
                       "the RAM fragmentation (a param: key ending in fragmentation)", true },
};

static bool key_has_role(const char *key, enum role ro)
{
    size_t k = strlen(key), n = strlen(roles[ro].suffix);

    if (k < n || strcmp(key + k - n, roles[ro].suffix))
        return false;
    return k == n || key[k - n - 1] == '.';
}

/* The page-size policies in the order of their largest page; others come after. */
static const char *const policy_order[] = { "4k", "64k", "1m", "16m", "best" };
#define NPOLICIES (sizeof(policy_order) / sizeof(policy_order[0]))

static bool param_varies(const struct results *r, unsigned p)
{
    const char *v = NULL;

    for (unsigned i = 0; i < r->nrows; i++) {
        if (!r->row[i].ok)
            continue;
        if (v && strcmp(v, r->row[i].param[p]))
            return true;
        v = r->row[i].param[p];
    }
    return false;
}

/*
 * Each role goes to the first param with that key ending which varies, or else to
 * the first with it at all. A numeric role's values are checked here, so a bad one
 * is reported with its line before anything is written.
 */
int find_roles(struct plotter *pl)
{
    const struct results *r = pl->r;

    for (unsigned ro = 0; ro < NROLES; ro++) {
        pl->role[ro] = -1;
        for (unsigned p = 0; p < r->nparams; p++) {
            if (!key_has_role(param_key(r, p), (enum role)ro))
                continue;
            if (pl->role[ro] < 0)
                pl->role[ro] = (int)p;
            if (param_varies(r, p)) {
                pl->role[ro] = (int)p;
                break;
            }
        }
        if (pl->role[ro] < 0)
            continue;
        pl->varies[ro] = param_varies(r, (unsigned)pl->role[ro]);
        if (!roles[ro].numeric)
            continue;
        for (unsigned i = 0; i < r->nrows; i++) {
            const char *v = r->row[i].param[pl->role[ro]];
            double x;
            if (!plot_parse_number(v, &x) || (ro == ROLE_ENTRIES && x <= 0)) {
                plot_csv_error(r, r->row[i].line, "field %d (%s): '%s' is not a %snumber",
                          FIRST_PARAM + pl->role[ro] + 1, r->col[FIRST_PARAM + pl->role[ro]], v,
                          ro == ROLE_ENTRIES ? "positive " : "");
                return -1;
            }
        }
    }
    return 0;
}

/* ---- Choosing the points of a figure --------------------------------------------------- */

/*
 * A figure has one or two axes (params it spreads its points over). Every other
 * param the sweep varied is held at its first value, the one of the first point
 * that succeeded, and the subtitle says so.
 */
int select_rows(const struct plotter *pl, const int *axis, unsigned naxes,
                int pin_param, const char *pin_value, struct selection *sel)
{
    const struct results *r = pl->r;

    sel->use = calloc(r->nrows ? r->nrows : 1, sizeof(*sel->use));
    sel->held[0] = 0;
    if (!sel->use)
        return -1;
    for (unsigned i = 0; i < r->nrows; i++)
        sel->use[i] = r->row[i].ok;
    for (unsigned p = 0; p < r->nparams; p++) {
        bool on_axis = false;
        const char *keep;
        for (unsigned a = 0; a < naxes; a++)
            on_axis |= axis[a] == (int)p;
        if (on_axis || !param_varies(r, p))
            continue;
        keep = (int)p == pin_param ? pin_value : pl->first->param[p];
        for (unsigned i = 0; i < r->nrows; i++)
            if (strcmp(r->row[i].param[p], keep))
                sel->use[i] = false;
        if ((int)p == pin_param)
            continue;           /* the figure names it in its own words */
        size_t len = strlen(sel->held);
        plot_fmt(sel->held + len, sizeof(sel->held) - len, "%s%s = %s", len ? ", " : "",
             param_key(r, p), keep);
    }
    return 0;
}

/* The distinct values of a param over the selected rows, in their axis order. */
static int policy_rank(const char *v)
{
    for (unsigned i = 0; i < NPOLICIES; i++)
        if (!strcmp(v, policy_order[i]))
            return (int)i;
    return (int)NPOLICIES;
}

static void sort_values(struct values *vs, enum role ro)
{
    /* insertion sort: a sweep has a handful of values per param, and it is stable,
     * so values the policy order does not know keep the order they appeared in */
    for (unsigned i = 1; i < vs->n; i++) {
        const char *v = vs->v[i];
        unsigned j = i;
        for (; j > 0; j--) {
            const char *u = vs->v[j - 1];
            bool after;
            if (ro == ROLE_POLICY)
                after = policy_rank(u) > policy_rank(v);
            else
                after = strtod(u, NULL) > strtod(v, NULL);
            if (!after)
                break;
            vs->v[j] = u;
        }
        vs->v[j] = v;
    }
}

int distinct_values(const struct plotter *pl, const struct selection *sel, int param,
                    enum role ro, struct values *vs)
{
    const struct results *r = pl->r;

    vs->n = 0;
    vs->v = calloc(r->nrows ? r->nrows : 1, sizeof(*vs->v));
    if (!vs->v)
        return -1;
    for (unsigned i = 0; i < r->nrows; i++) {
        bool seen = false;
        if (!sel->use[i])
            continue;
        for (unsigned k = 0; k < vs->n && !seen; k++)
            seen = !strcmp(vs->v[k], r->row[i].param[param]);
        if (!seen)
            vs->v[vs->n++] = r->row[i].param[param];
    }
    sort_values(vs, ro);
    return 0;
}

/* The first selected row whose params a and b (-1: any) have these values. */
const struct row *find_row(const struct plotter *pl, const struct selection *sel,
                           int a, const char *va, int b, const char *vb)
{
    const struct results *r = pl->r;

    for (unsigned i = 0; i < r->nrows; i++) {
        const struct row *w = &r->row[i];
        if (sel->use[i] && (a < 0 || !strcmp(w->param[a], va)) &&
            (b < 0 || !strcmp(w->param[b], vb)))
            return w;
    }
    return NULL;
}

bool any_positive(const struct results *r, const struct selection *sel, int s)
{
    for (unsigned i = 0; s >= 0 && i < r->nrows; i++)
        if (sel->use[i] && r->row[i].stat[s] > 0)
            return true;
    return false;
}

/* ---- Data files ------------------------------------------------------------------------ */

/* A number as the data files write it: 9 significant digits, "?" when missing. */
const char *plot_fmt_num(double v, char *buf, size_t len)
{
    if (isnan(v))
        return MISSING;
    if (v == 0)
        v = 0;                  /* no "-0" */
    plot_fmt(buf, len, "%.9g", v);
    return buf;
}

/* A param value or a name as one word of a data file: no blanks, quotes or '#'. */
const char *plot_fmt_word(const char *s, char *buf, size_t len)
{
    size_t i = 0;

    for (; s[i] && i + 1 < len; i++) {
        char c = s[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '+' ||
                     c == '*' || c == ':';
        buf[i] = plain ? c : '_';
    }
    buf[i] = 0;
    if (!i)
        plot_fmt(buf, len, "_");
    return buf;
}

/* ---- Data files: struct dat (plot.h) --------------------------------------------------- */

bool dat_open(struct plotter *pl, struct dat *d, const char *name, unsigned ncol,
              const struct selection *sel, const char *fmt, ...)
{
    char lines[2048], err[PATH_MAX_LEN + 128];
    va_list ap;

    memset(d, 0, sizeof(*d));
    d->ncol = ncol;
    plot_fmt(d->path, sizeof(d->path), "%s/%s.dat", pl->outdir, name);
    if (!(d->top = calloc(ncol, sizeof(*d->top)))) {
        cli_error(CMD, "out of memory");
        pl->failed = true;
        return false;
    }
    if (outfile_open(&d->out, d->path, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        free(d->top);
        pl->failed = true;
        return false;
    }
    va_start(ap, fmt);
    vsnprintf(lines, sizeof(lines), fmt, ap);
    va_end(ap);
    for (char *line = lines, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
        nl = strchr(line, '\n');
        fprintf(d->out.f, "# %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
    }
    if (sel->held[0])
        fprintf(d->out.f, "# held at the first point's value: %s\n", sel->held);
    fprintf(d->out.f, "# " MISSING " marks a value that no selected point has\n");
    return true;
}

static void dat_next(struct dat *d)
{
    if (++d->col < d->ncol)
        return;
    fputc('\n', d->out.f);
    d->col = 0;
    d->rows++;
}

/* The next field: a word (a column's name, a row's label) or a number. */
void dat_word(struct dat *d, const char *s)
{
    char buf[NAME_MAX_LEN];

    fprintf(d->out.f, "%s%s", d->col ? " " : "", plot_fmt_word(s, buf, sizeof(buf)));
    dat_next(d);
}

void dat_num(struct dat *d, double v)
{
    char buf[40];

    fprintf(d->out.f, "%s%s", d->col ? " " : "", plot_fmt_num(v, buf, sizeof(buf)));
    if (!isnan(v) && v > d->top[d->col])
        d->top[d->col] = v;
    d->values += !isnan(v);
    dat_next(d);
}

/* Closes the data file and records the figure to draw from it (plot.h). */
void dat_close(struct plotter *pl, struct dat *d, const char *name, const char *script,
               const char *title, const char *subtitle)
{
    struct plot *p = &pl->plot[pl->nplots];
    char err[PATH_MAX_LEN + 128];
    size_t len = 0;

    if (!d->values) {
        /* nothing to draw: no file of this figure stays, an earlier run's neither */
        outfile_abort(&d->out);
        unlink(d->path);
        plot_remove_images(pl->outdir, name);
        free(d->top);
        plot_skip(pl, name, "no point has a value to draw (every one would be " MISSING ")");
        return;
    }
    if (outfile_commit(&d->out, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        pl->failed = true;
        free(d->top);
        return;
    }
    if (!(p->colmax = malloc((size_t)d->ncol * 32))) {
        cli_error(CMD, "out of memory");
        pl->failed = true;
        free(d->top);
        return;
    }
    for (unsigned c = 0; c < d->ncol; c++) {
        char num[40];
        plot_fmt(p->colmax + len, 32, "%s%s", c ? " " : "",
                 plot_fmt_num(d->top[c], num, sizeof(num)));
        len += strlen(p->colmax + len);
    }
    free(d->top);
    plot_fmt(p->name, sizeof(p->name), "%s", name);
    p->script = script;
    p->ncol = d->ncol;
    p->nrows = d->rows ? d->rows - 1 : 0;       /* less the line naming the columns */
    plot_fmt(p->title, sizeof(p->title), "%s: %s", pl->scenario, title);
    plot_fmt(p->subtitle, sizeof(p->subtitle), "%s", subtitle);
    pl->nplots++;
}

/* A figure's subtitle: its subject, then the params held at one value. */
void plot_subtitle(char *buf, size_t len, const struct selection *sel, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    n = strlen(buf);
    if (sel->held[0])
        plot_fmt(buf + n, len - n, "; with %s", sel->held);
}

void plot_skip(struct plotter *pl, const char *kind, const char *fmt, ...)
{
    char *note = pl->skipped[pl->nskipped++];
    va_list ap;
    size_t n;

    plot_fmt(note, NOTE_MAX, "%s: ", kind);
    n = strlen(note);
    va_start(ap, fmt);
    vsnprintf(note + n, NOTE_MAX - n, fmt, ap);
    va_end(ap);
    printf("skipped %s\n", note);
}

void plot_skip_unvaried(struct plotter *pl, const char *kind, enum role ro)
{
    plot_skip(pl, kind, "the sweep does not vary %s", roles[ro].what);
}

void plot_oom(struct plotter *pl)
{
    cli_error(CMD, "out of memory");
    pl->failed = true;
}

/*
 * The rows of a figure drawn per page-size policy, and the policies among them: 0, or
 * -1 once the skip (the sweep does not vary the policy) or the lack of memory has
 * been noted.
 */
int policy_rows(struct plotter *pl, const char *kind, struct selection *sel,
                struct values *ps)
{
    int pol = pl->role[ROLE_POLICY];

    if (!pl->varies[ROLE_POLICY]) {
        plot_skip_unvaried(pl, kind, ROLE_POLICY);
        return -1;
    }
    if (select_rows(pl, &pol, 1, -1, NULL, sel) ||
        distinct_values(pl, sel, pol, ROLE_POLICY, ps)) {
        plot_oom(pl);
        return -1;
    }
    return 0;
}

