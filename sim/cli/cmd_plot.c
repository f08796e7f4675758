/*
 * cmd_plot.c - `iommusim plot`: figures from a sweep's results.csv.
 *
 * A sweep (`iommusim sweep`) leaves DIR/results.csv: a header
 * `point,status,param:KEY...,STAT...` and one row per point of the parameter
 * grid. This command reads it, decides which figures the swept parameters allow
 * (a TLB size, a page-size policy, the RAM fragmentation: recognised by how their
 * key ends), and for each one writes a small whitespace-separated data file and
 * has gnuplot draw it with a script from plots/ as PNG and SVG. The C side does all
 * the arithmetic, so a data file says exactly what its figure shows; the scripts
 * only lay it out. plots/README.md describes each figure.
 *
 * Without gnuplot the data files are still written and the images are skipped
 * with a note: plotting is optional, the numbers are not.
 */
#define _DEFAULT_SOURCE         /* POSIX.1-2008 and realpath */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/plot.h"

extern char **environ;

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
static void sfmt(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sfmt(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* ---- results.csv ------------------------------------------------------------------------ */

struct row {
    unsigned line;              /* in results.csv, for messages */
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

static const char *param_key(const struct results *r, unsigned p)
{
    return r->col[FIRST_PARAM + p] + strlen(PARAM_PREFIX);
}

static const char *stat_name(const struct results *r, unsigned s)
{
    return r->col[FIRST_PARAM + r->nparams + s];
}

/* The statistic's column, or -1: printf-style name. */
static int stat_find(const struct results *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int stat_find(const struct results *r, const char *fmt, ...)
{
    char name[PATH_MAX_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    for (unsigned s = 0; s < r->nstats; s++)
        if (!strcmp(stat_name(r, s), name))
            return (int)s;
    return -1;
}

/* A row's statistic; NAN when there is no such row or column, or the field is empty. */
static double stat_at(const struct row *w, int s)
{
    return !w || s < 0 ? NAN : w->stat[s];
}

static void results_free(struct results *r)
{
    free(r->text);
    free(r->col);
    free(r->row);
    free(r->field);
    free(r->val);
}

/* Reads the whole file and its length; NULL (errno set) when it cannot. */
static char *read_file(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0, cap = 65536;
    char *buf;

    if (!f)
        return NULL;
    buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
        errno = EIO;
    }
    fclose(f);
    if (buf)
        buf[len] = 0;
    *length = len;
    return buf;
}

static void csv_error(const struct results *r, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void csv_error(const struct results *r, unsigned line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "iommusim " CMD ": %s:%u: error: ", r->path, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/*
 * Splits one line (NUL-terminated, without its newline) into fields, in place:
 * RFC 4180 quoting, "" inside quotes for a quote. Fills up to max pointers and
 * returns the number of fields, or -1 after reporting a quoting error.
 */
static int split_fields(const struct results *r, unsigned line, char *s, char **field,
                        unsigned max)
{
    unsigned n = 0;

    for (;;) {
        char *start = s, *out = s;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) {
                    csv_error(r, line, "field %u: the quoted field is not closed", n + 1);
                    return -1;
                }
                if (*s == '"' && s[1] == '"') {
                    *out++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *out++ = *s++;
                }
            }
            if (*s && *s != ',') {
                csv_error(r, line, "field %u: text after the closing quote", n + 1);
                return -1;
            }
        } else {
            while (*s && *s != ',') {
                if (*s == '"') {
                    csv_error(r, line, "field %u: a quote inside an unquoted field", n + 1);
                    return -1;
                }
                out++, s++;
            }
        }
        char next = *s;
        *out = 0;
        if (n < max)
            field[n] = start;
        n++;
        if (!next)
            return (int)n;
        s++;
    }
}

/* A statistic's name: segments of [A-Za-z0-9_-] joined by single dots (stats.md). */
static bool valid_stat_name(const char *s)
{
    bool seg = false;

    for (; *s; s++) {
        if (*s == '.') {
            if (!seg)
                return false;
            seg = false;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                   (*s >= '0' && *s <= '9') || *s == '_' || *s == '-') {
            seg = true;
        } else {
            return false;
        }
    }
    return seg;
}

/* A finite decimal number, the whole of s; no blanks, no nan or inf. */
static bool parse_number(const char *s, double *v)
{
    char *end;

    if (!*s || !(*s == '-' || *s == '+' || *s == '.' || (*s >= '0' && *s <= '9')))
        return false;
    errno = 0;
    *v = strtod(s, &end);
    return !*end && errno != ERANGE && isfinite(*v);
}

static int parse_header(struct results *r, char *line)
{
    unsigned i, most = 1;
    int n;

    for (const char *c = line; *c; c++)
        most += *c == ',';
    r->col = calloc(most, sizeof(*r->col));
    if (!r->col) {
        csv_error(r, 1, "out of memory");
        return -1;
    }
    if ((n = split_fields(r, 1, line, r->col, most)) < 0)
        return -1;
    r->ncols = (unsigned)n;
    if (r->ncols < 2 || strcmp(r->col[COL_POINT], "point") ||
        strcmp(r->col[COL_STATUS], "status")) {
        csv_error(r, 1, "the header must start with point,status (found '%s%s%s')",
                  r->col[0], r->ncols > 1 ? "," : "", r->ncols > 1 ? r->col[1] : "");
        return -1;
    }
    for (i = FIRST_PARAM; i < r->ncols && !strncmp(r->col[i], PARAM_PREFIX,
                                                   strlen(PARAM_PREFIX)); i++) {
        if (!r->col[i][strlen(PARAM_PREFIX)]) {
            csv_error(r, 1, "column %u: a param: column without a key", i + 1);
            return -1;
        }
    }
    r->nparams = i - FIRST_PARAM;
    for (; i < r->ncols; i++) {
        if (!strncmp(r->col[i], PARAM_PREFIX, strlen(PARAM_PREFIX))) {
            csv_error(r, 1, "column %u: '%s' comes after the statistics (the param: columns "
                      "come first)", i + 1, r->col[i]);
            return -1;
        }
        if (!valid_stat_name(r->col[i])) {
            csv_error(r, 1, "column %u: '%s' is not a statistic name (dot-separated words of "
                      "A-Z a-z 0-9 _ -)", i + 1, r->col[i]);
            return -1;
        }
    }
    r->nstats = r->ncols - FIRST_PARAM - r->nparams;
    for (i = 0; i < r->ncols; i++)
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(r->col[i], r->col[j])) {
                csv_error(r, 1, "column %u: '%s' repeats column %u", i + 1, r->col[i], j + 1);
                return -1;
            }
    return 0;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int parse_row(struct results *r, unsigned line, char *text)
{
    unsigned k = r->nrows;
    struct row *w = &r->row[k];
    char **f = &r->field[(size_t)k * r->ncols];
    int n = split_fields(r, line, text, f, r->ncols);

    if (n < 0)
        return -1;
    if ((unsigned)n != r->ncols) {
        csv_error(r, line, "%d field%s, the header has %u", n, n == 1 ? "" : "s", r->ncols);
        return -1;
    }
    if (!all_digits(f[COL_POINT])) {
        csv_error(r, line, "field 1 (point): '%s' is not a point number", f[COL_POINT]);
        return -1;
    }
    if (strcmp(f[COL_STATUS], "ok") && strcmp(f[COL_STATUS], "failed")) {
        csv_error(r, line, "field 2 (status): '%s' is not ok or failed", f[COL_STATUS]);
        return -1;
    }
    w->line = line;
    w->ok = !strcmp(f[COL_STATUS], "ok");
    w->param = f + FIRST_PARAM;
    w->stat = &r->val[(size_t)k * r->nstats];
    for (unsigned s = 0; s < r->nstats; s++) {
        const char *v = f[FIRST_PARAM + r->nparams + s];
        if (!*v) {
            w->stat[s] = NAN;
        } else if (!parse_number(v, &w->stat[s])) {
            csv_error(r, line, "field %u (%s): '%s' is not a number",
                      FIRST_PARAM + r->nparams + s + 1, stat_name(r, s), v);
            return -1;
        }
    }
    r->nrows++;
    r->nok += w->ok;
    return 0;
}

/* Loads DIR/results.csv; reports the file and line of what is wrong. */
static int results_load(struct results *r, const char *dir)
{
    unsigned lines = 0, line = 0;
    char *s, *next;
    size_t len = 0;

    memset(r, 0, sizeof(*r));
    sfmt(r->path, sizeof(r->path), "%s/" RESULTS_FILE, dir);
    r->text = read_file(r->path, &len);
    if (!r->text) {
        cli_error(CMD, "%s: error: cannot open: %s", r->path, strerror(errno));
        return -1;
    }
    if (strlen(r->text) != len) {
        for (s = r->text; *s; s++)
            line += *s == '\n';
        csv_error(r, line + 1, "a NUL byte: not a text file");
        return -1;
    }
    if (!*r->text) {
        csv_error(r, 1, "empty file (expected the header point,status,...)");
        return -1;
    }
    for (s = r->text; *s; s++)
        lines += *s == '\n';
    lines++;
    for (s = r->text; s; s = next) {
        char *nl = strchr(s, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) {
            *nl = 0;
            if (nl > s && nl[-1] == '\r')
                nl[-1] = 0;
        }
        line++;
        if (!nl && !*s && line > 1)
            break;                      /* the newline at the end of the last row */
        if (line == 1) {
            if (parse_header(r, s))
                return -1;
            r->row = calloc(lines, sizeof(*r->row));
            r->field = calloc((size_t)lines * r->ncols, sizeof(*r->field));
            r->val = calloc((size_t)lines * (r->nstats ? r->nstats : 1), sizeof(*r->val));
            if (!r->row || !r->field || !r->val) {
                csv_error(r, 1, "out of memory");
                return -1;
            }
            continue;
        }
        if (!*s) {
            csv_error(r, line, "empty line");
            return -1;
        }
        if (parse_row(r, line, s))
            return -1;
    }
    return 0;
}

/* ---- What the sweep varied ------------------------------------------------------------- */

/*
 * The parameters a figure can use, recognised by how their key ends: the sweep's
 * keys are the --set paths (smmus.*.tlb.entries, buffers.fb.policy, ...).
 */
enum role { ROLE_ENTRIES, ROLE_POLICY, ROLE_FRAG, NROLES };

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

/* The four page sizes, as the buffer statistics name them. */
static const char *const page_sizes[] = { "4k", "64k", "1m", "16m" };
#define NPAGE_SIZES (sizeof(page_sizes) / sizeof(page_sizes[0]))

/* A figure whose data file is written: what gnuplot is told to draw it. */
struct plot {
    char name[NAME_MAX_LEN];    /* file base: KIND-SUBJECT */
    const char *script;
    char title[TITLE_MAX];      /* "SCENARIO: what is drawn" */
    char subtitle[TITLE_MAX];   /* its subject, and the params held */
    unsigned ncol;
    char *colmax;               /* each column's largest value, space-separated */
};

struct plotter {
    const struct results *r;
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
};

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
static int find_roles(struct plotter *pl)
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
            if (!parse_number(v, &x) || (ro == ROLE_ENTRIES && x <= 0)) {
                csv_error(r, r->row[i].line, "field %d (%s): '%s' is not a %snumber",
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
struct selection {
    bool *use;                  /* per row */
    char held[TITLE_MAX];       /* "KEY = VALUE, ..." of the params held, or "" */
};

static int select_rows(const struct plotter *pl, const int *axis, unsigned naxes,
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
        sfmt(sel->held + len, sizeof(sel->held) - len, "%s%s = %s", len ? ", " : "",
             param_key(r, p), keep);
    }
    return 0;
}

/* The distinct values of a param over the selected rows, in their axis order. */
struct values {
    const char **v;
    unsigned n;
};

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

static int distinct_values(const struct plotter *pl, const struct selection *sel, int param,
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
static const struct row *find_row(const struct plotter *pl, const struct selection *sel,
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

/* ---- Names in results.csv -------------------------------------------------------------- */

/* Splits a statistic's name at its dots; the number of segments (at most max). */
static unsigned split_name(const char *name, const char **seg, size_t *len, unsigned max)
{
    unsigned n = 0;

    while (n < max) {
        const char *dot = strchr(name, '.');
        seg[n] = name;
        len[n] = dot ? (size_t)(dot - name) : strlen(name);
        n++;
        if (!dot)
            return n;
        name = dot + 1;
    }
    return max + 1;             /* more than max: no pattern matches */
}

static bool seg_is(const char *seg, size_t len, const char *word)
{
    return strlen(word) == len && !strncmp(seg, word, len);
}

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

static unsigned find_contexts(const struct results *r, struct context *ctx, unsigned max)
{
    unsigned n = 0;

    for (unsigned s = 0; s < r->nstats && n < max; s++) {
        const char *seg[MAX_SEGMENTS];
        size_t len[MAX_SEGMENTS];
        if (split_name(stat_name(r, s), seg, len, MAX_SEGMENTS) != 5 ||
            !seg_is(seg[0], len[0], "smmu") || !seg_is(seg[2], len[2], "ctx") ||
            !seg_is(seg[4], len[4], "miss_rate") || len[1] >= NAME_MAX_LEN ||
            len[3] >= NAME_MAX_LEN)
            continue;
        struct context *c = &ctx[n++];
        sfmt(c->smmu, sizeof(c->smmu), "%.*s", (int)len[1], seg[1]);
        sfmt(c->name, sizeof(c->name), "%.*s", (int)len[3], seg[3]);
        c->miss_rate = (int)s;
        c->translations = stat_find(r, "smmu.%s.ctx.%s.translations", c->smmu, c->name);
        c->desc_reads = stat_find(r, "smmu.%s.ctx.%s.desc_reads", c->smmu, c->name);
    }
    for (unsigned i = 0; i < n; i++) {
        bool shared = false;
        for (unsigned j = 0; j < n; j++)
            shared |= j != i && !strcmp(ctx[i].name, ctx[j].name);
        if (shared)
            sfmt(ctx[i].subject, sizeof(ctx[i].subject), "%s-%s", ctx[i].smmu, ctx[i].name);
        else
            sfmt(ctx[i].subject, sizeof(ctx[i].subject), "%s", ctx[i].name);
    }
    return n;
}

static unsigned find_masters(const struct results *r, struct master *m, unsigned max)
{
    unsigned n = 0;

    for (unsigned s = 0; s < r->nstats && n < max; s++) {
        const char *seg[MAX_SEGMENTS];
        size_t len[MAX_SEGMENTS];
        if (split_name(stat_name(r, s), seg, len, MAX_SEGMENTS) != 3 ||
            !seg_is(seg[0], len[0], "master") || !seg_is(seg[2], len[2], "bytes_read") ||
            len[1] >= NAME_MAX_LEN)
            continue;
        struct master *x = &m[n++];
        sfmt(x->name, sizeof(x->name), "%.*s", (int)len[1], seg[1]);
        x->bytes_read = (int)s;
        x->bytes_written = stat_find(r, "master.%s.bytes_written", x->name);
        x->bursts = stat_find(r, "master.%s.bursts", x->name);
        x->frames = stat_find(r, "master.%s.frames", x->name);
        x->late_frames = stat_find(r, "master.%s.late_frames", x->name);
        x->underruns = stat_find(r, "master.%s.underruns", x->name);
        x->timed = stat_find(r, "master.%s.translation_ns.count", x->name);
    }
    return n;
}

/* Whether the statistic is above zero at some selected row. */
static bool any_positive(const struct results *r, const struct selection *sel, int s)
{
    for (unsigned i = 0; s >= 0 && i < r->nrows; i++)
        if (sel->use[i] && r->row[i].stat[s] > 0)
            return true;
    return false;
}

/* ---- Data files ------------------------------------------------------------------------ */

/* A number as the data files write it: 9 significant digits, "?" when missing. */
static const char *fmt_num(double v, char *buf, size_t len)
{
    if (isnan(v))
        return MISSING;
    if (v == 0)
        v = 0;                  /* no "-0" */
    sfmt(buf, len, "%.9g", v);
    return buf;
}

/* A param value or a name as one word of a data file: no blanks, quotes or '#'. */
static const char *fmt_word(const char *s, char *buf, size_t len)
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
        sfmt(buf, len, "_");
    return buf;
}

/*
 * A data file being written, PLOTDIR/NAME.dat: comment lines, a line naming the
 * columns, then the rows. It keeps each column's largest value for the script,
 * which needs a y range that is not 0 to 0 when every value is 0.
 */
struct dat {
    FILE *f;
    char path[PATH_MAX_LEN];
    double *top;
    unsigned ncol, col;         /* columns per line; the next one */
};

/*
 * Opens the file and writes the comment lines: fmt (one or more lines) says what
 * the figure shows, then the params held at one value and the missing-value mark.
 */
static bool dat_open(struct plotter *pl, struct dat *d, const char *name, unsigned ncol,
                     const struct selection *sel, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static bool dat_open(struct plotter *pl, struct dat *d, const char *name, unsigned ncol,
                     const struct selection *sel, const char *fmt, ...)
{
    char lines[2048];
    va_list ap;

    memset(d, 0, sizeof(*d));
    d->ncol = ncol;
    sfmt(d->path, sizeof(d->path), "%s/%s.dat", pl->outdir, name);
    if (!(d->top = calloc(ncol, sizeof(*d->top)))) {
        cli_error(CMD, "out of memory");
        pl->failed = true;
        return false;
    }
    if (!(d->f = fopen(d->path, "w"))) {
        cli_error(CMD, "cannot write %s: %s", d->path, strerror(errno));
        free(d->top);
        pl->failed = true;
        return false;
    }
    va_start(ap, fmt);
    vsnprintf(lines, sizeof(lines), fmt, ap);
    va_end(ap);
    for (char *line = lines, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
        nl = strchr(line, '\n');
        fprintf(d->f, "# %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
    }
    if (sel->held[0])
        fprintf(d->f, "# held at the first point's value: %s\n", sel->held);
    fprintf(d->f, "# " MISSING " marks a value that no selected point has\n");
    return true;
}

static void dat_next(struct dat *d)
{
    if (++d->col < d->ncol)
        return;
    fputc('\n', d->f);
    d->col = 0;
}

/* The next field: a word (a column's name, a row's label) or a number. */
static void dat_word(struct dat *d, const char *s)
{
    char buf[NAME_MAX_LEN];

    fprintf(d->f, "%s%s", d->col ? " " : "", fmt_word(s, buf, sizeof(buf)));
    dat_next(d);
}

static void dat_num(struct dat *d, double v)
{
    char buf[40];

    fprintf(d->f, "%s%s", d->col ? " " : "", fmt_num(v, buf, sizeof(buf)));
    if (!isnan(v) && v > d->top[d->col])
        d->top[d->col] = v;
    dat_next(d);
}

/* Closes the data file and records the figure to draw from it. */
static void dat_close(struct plotter *pl, struct dat *d, const char *name, const char *script,
                      const char *title, const char *subtitle)
{
    bool bad = ferror(d->f);
    struct plot *p = &pl->plot[pl->nplots];
    size_t len = 0;

    if (fclose(d->f) || bad) {
        cli_error(CMD, "cannot write %s: %s", d->path, strerror(errno ? errno : EIO));
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
        sfmt(p->colmax + len, 32, "%s%s", c ? " " : "", fmt_num(d->top[c], num, sizeof(num)));
        len += strlen(p->colmax + len);
    }
    free(d->top);
    sfmt(p->name, sizeof(p->name), "%s", name);
    p->script = script;
    p->ncol = d->ncol;
    sfmt(p->title, sizeof(p->title), "%s: %s", pl->scenario, title);
    sfmt(p->subtitle, sizeof(p->subtitle), "%s", subtitle);
    pl->nplots++;
}

/* A figure's subtitle: its subject, then the params held at one value. */
static void subtitle(char *buf, size_t len, const struct selection *sel, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void subtitle(char *buf, size_t len, const struct selection *sel, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    n = strlen(buf);
    if (sel->held[0])
        sfmt(buf + n, len - n, "; with %s", sel->held);
}

static void skip(struct plotter *pl, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skip(struct plotter *pl, const char *kind, const char *fmt, ...)
{
    char *note = pl->skipped[pl->nskipped++];
    va_list ap;
    size_t n;

    sfmt(note, NOTE_MAX, "%s: ", kind);
    n = strlen(note);
    va_start(ap, fmt);
    vsnprintf(note + n, NOTE_MAX - n, fmt, ap);
    va_end(ap);
    printf("skipped %s\n", note);
}

static void skip_unvaried(struct plotter *pl, const char *kind, enum role ro)
{
    skip(pl, kind, "the sweep does not vary %s", roles[ro].what);
}

static void out_of_memory(struct plotter *pl)
{
    cli_error(CMD, "out of memory");
    pl->failed = true;
}

/*
 * The rows of a figure drawn per page-size policy, and the policies among them: 0, or
 * -1 once the skip (the sweep does not vary the policy) or the lack of memory has
 * been noted.
 */
static int policy_rows(struct plotter *pl, const char *kind, struct selection *sel,
                       struct values *ps)
{
    int pol = pl->role[ROLE_POLICY];

    if (!pl->varies[ROLE_POLICY]) {
        skip_unvaried(pl, kind, ROLE_POLICY);
        return -1;
    }
    if (select_rows(pl, &pol, 1, -1, NULL, sel) ||
        distinct_values(pl, sel, pol, ROLE_POLICY, ps)) {
        out_of_memory(pl);
        return -1;
    }
    return 0;
}

/* ---- 1. TLB miss rate vs TLB entries, per context --------------------------------------- */

static void plot_miss_rate(struct plotter *pl, const struct context *ctx, unsigned nctx)
{
    const struct results *r = pl->r;
    int ent = pl->role[ROLE_ENTRIES], pol = pl->role[ROLE_POLICY];
    int axis[2] = { ent, pl->varies[ROLE_POLICY] ? pol : -1 };
    struct selection sel = { 0 };
    struct values xs = { 0 }, ss = { 0 };
    char series[TITLE_MAX];
    unsigned made = 0, nseries;

    if (!pl->varies[ROLE_ENTRIES]) {
        skip_unvaried(pl, "miss-rate", ROLE_ENTRIES);
        return;
    }
    if (select_rows(pl, axis, 2, -1, NULL, &sel) ||
        distinct_values(pl, &sel, ent, ROLE_ENTRIES, &xs) ||
        (axis[1] >= 0 && distinct_values(pl, &sel, pol, ROLE_POLICY, &ss))) {
        out_of_memory(pl);
        goto out;
    }
    nseries = axis[1] >= 0 ? ss.n : 1;
    if (axis[1] >= 0)
        sfmt(series, sizeof(series), "page-size policy (param:%s)", param_key(r, pol));
    else
        sfmt(series, sizeof(series), "the sweep's one page-size policy");
    for (unsigned c = 0; c < nctx; c++) {
        char name[NAME_MAX_LEN], sub[TITLE_MAX];
        struct dat d;
        if (!any_positive(r, &sel, ctx[c].translations))
            continue;
        sfmt(name, sizeof(name), "miss-rate-%s", ctx[c].subject);
        if (!dat_open(pl, &d, name, 1 + nseries, &sel,
                      "TLB miss rate (%%) of context %s.%s: smmu.%s.ctx.%s.miss_rate x 100\n"
                      "rows: TLB entries (param:%s); columns: %s",
                      ctx[c].smmu, ctx[c].name, ctx[c].smmu, ctx[c].name, param_key(r, ent),
                      series))
            break;
        dat_word(&d, "entries");
        if (axis[1] >= 0)
            for (unsigned s = 0; s < ss.n; s++)
                dat_word(&d, ss.v[s]);
        else
            dat_word(&d, pol >= 0 ? pl->first->param[pol] : "miss_rate");
        for (unsigned x = 0; x < xs.n; x++) {
            dat_word(&d, xs.v[x]);
            for (unsigned s = 0; s < nseries; s++) {
                const struct row *w = find_row(pl, &sel, ent, xs.v[x], axis[1],
                                               axis[1] >= 0 ? ss.v[s] : NULL);
                dat_num(&d, stat_at(w, ctx[c].miss_rate) * 100.0);
            }
        }
        subtitle(sub, sizeof(sub), &sel, "context %s.%s", ctx[c].smmu, ctx[c].name);
        dat_close(pl, &d, name, "miss-rate.gp", "TLB miss rate vs TLB entries", sub);
        made++;
    }
    if (!made && !pl->failed)
        skip(pl, "miss-rate", "no SMMU context translated anything");
out:
    free(sel.use);
    free(xs.v);
    free(ss.v);
}

/* ---- 2. Descriptor reads per KiB transferred vs policy ---------------------------------- */

/* A sum over the values that are there; NAN when none is. */
static void add_present(double *sum, double v)
{
    if (!isnan(v))
        *sum = (isnan(*sum) ? 0 : *sum) + v;
}

/* A master's bytes read and written, in KiB. */
static double master_kib(const struct row *w, const struct master *m)
{
    double bytes = NAN;

    add_present(&bytes, stat_at(w, m->bytes_read));
    add_present(&bytes, stat_at(w, m->bytes_written));
    return bytes / KIB;
}

static double ratio(double a, double b)
{
    return isnan(a) || isnan(b) || b == 0 ? NAN : a / b;
}

/*
 * The master on each translating context. results.csv has no strings, so the
 * master's context is not there; but every burst a master issues is one
 * translation on its context, so a context and a master pair when the context's
 * translations equal the master's bursts at every selected point, and no other
 * master or context matches. False when some context cannot be paired so (two
 * masters share it, or a timed run stopped at its duration with bursts in flight).
 */
static bool pair_contexts(const struct results *r, const struct selection *sel,
                          const struct context *ctx, const unsigned *used, unsigned nused,
                          const struct master *m, unsigned nm, int *pair)
{
    for (unsigned k = 0; k < nused; k++) {
        const struct context *c = &ctx[used[k]];
        pair[k] = -1;
        for (unsigned j = 0; j < nm; j++) {
            bool same = m[j].bursts >= 0 && c->translations >= 0;
            for (unsigned i = 0; same && i < r->nrows; i++)
                if (sel->use[i])
                    same = r->row[i].stat[c->translations] == r->row[i].stat[m[j].bursts];
            if (!same)
                continue;
            if (pair[k] >= 0)
                return false;   /* two masters match */
            pair[k] = (int)j;
        }
        if (pair[k] < 0)
            return false;
        for (unsigned q = 0; q < k; q++)
            if (pair[q] == pair[k])
                return false;
    }
    return true;
}

static void plot_desc_reads(struct plotter *pl, const struct context *ctx, unsigned nctx,
                            const struct master *m, unsigned nm)
{
    const struct results *r = pl->r;
    int pol = pl->role[ROLE_POLICY];
    struct selection sel = { 0 };
    struct values ps = { 0 };
    unsigned *used = calloc(nctx ? nctx : 1, sizeof(*used)), nused = 0;
    int *pair = calloc(nctx ? nctx : 1, sizeof(*pair));
    char sub[TITLE_MAX];
    const char *columns;
    bool per_ctx;
    struct dat d;

    if (!used || !pair) {
        out_of_memory(pl);
        goto out;
    }
    if (policy_rows(pl, "desc-reads", &sel, &ps))
        goto out;
    for (unsigned c = 0; c < nctx; c++)
        if (ctx[c].desc_reads >= 0 && any_positive(r, &sel, ctx[c].translations))
            used[nused++] = c;
    if (!nused) {
        skip(pl, "desc-reads", "no SMMU context translated anything");
        goto out;
    }
    if (!nm) {
        skip(pl, "desc-reads", "results.csv has no master.*.bytes_read columns");
        goto out;
    }
    /* With one context a per-context bar would repeat the total. */
    per_ctx = nused > 1 && pair_contexts(r, &sel, ctx, used, nused, m, nm, pair);
    if (per_ctx)
        columns = "then per context: its desc_reads over the KiB of the master whose bursts "
                  "equal its translations";
    else if (nused > 1)
        columns = "no per-context columns: the contexts cannot be paired with the masters by "
                  "burst count";
    else
        columns = "no per-context columns: one context translated";
    if (!dat_open(pl, &d, "desc-reads-all", 2 + (per_ctx ? nused : 0), &sel,
                  "descriptor reads per KiB transferred, per page-size policy (param:%s)\n"
                  "all: the sum of smmu.*.ctx.*.desc_reads over the sum of every master's "
                  "(bytes_read + bytes_written) / 1024\n%s", param_key(r, pol), columns))
        goto out;
    dat_word(&d, "policy");
    dat_word(&d, "all");
    for (unsigned k = 0; per_ctx && k < nused; k++)
        dat_word(&d, ctx[used[k]].subject);
    for (unsigned p = 0; p < ps.n; p++) {
        const struct row *w = find_row(pl, &sel, pol, ps.v[p], -1, NULL);
        double reads = NAN, kib = NAN;
        for (unsigned c = 0; c < nctx; c++)
            add_present(&reads, stat_at(w, ctx[c].desc_reads));
        for (unsigned j = 0; j < nm; j++)
            add_present(&kib, master_kib(w, &m[j]));
        dat_word(&d, ps.v[p]);
        dat_num(&d, ratio(reads, kib));
        for (unsigned k = 0; per_ctx && k < nused; k++)
            dat_num(&d, ratio(stat_at(w, ctx[used[k]].desc_reads), master_kib(w, &m[pair[k]])));
    }
    subtitle(sub, sizeof(sub), &sel, "%s", per_ctx ? "all contexts, then each with its master" :
             "all contexts and masters");
    dat_close(pl, &d, "desc-reads-all", "desc-reads.gp",
              "descriptor reads per KiB transferred vs page-size policy", sub);
out:
    free(sel.use);
    free(ps.v);
    free(used);
    free(pair);
}

/* ---- 3. Translation latency distribution per policy, per master ------------------------------- */

/* A quantile column master.M.translation_ns.Q and the fraction of bursts at or below it. */
struct quantile {
    double fraction;
    int col;
};

/* min is 0 and max 1; pD... is 0.D... (p50 0.5, p999 0.999), but one digit is a
 * percentage (p5 is 0.05). */
static bool quantile_fraction(const char *q, size_t len, double *fraction)
{
    double v = 0, scale = 1;

    if (seg_is(q, len, "min") || seg_is(q, len, "max")) {
        *fraction = q[1] == 'a';
        return true;
    }
    if (len < 2 || len > 10 || q[0] != 'p')
        return false;
    for (size_t i = 1; i < len; i++) {
        if (q[i] < '0' || q[i] > '9')
            return false;
        v = v * 10 + (q[i] - '0');
        scale *= 10;
    }
    *fraction = v / (len == 2 ? 100 : scale);
    return true;
}

/* The master's quantile columns, by fraction. */
static unsigned find_quantiles(const struct results *r, const char *master, struct quantile *q,
                               unsigned max)
{
    unsigned n = 0;

    for (unsigned s = 0; s < r->nstats && n < max; s++) {
        const char *seg[MAX_SEGMENTS];
        size_t len[MAX_SEGMENTS];
        double fr;
        if (split_name(stat_name(r, s), seg, len, MAX_SEGMENTS) != 4 ||
            !seg_is(seg[0], len[0], "master") || !seg_is(seg[1], len[1], master) ||
            !seg_is(seg[2], len[2], "translation_ns") || !quantile_fraction(seg[3], len[3], &fr))
            continue;
        unsigned j = n++;
        for (; j > 0 && q[j - 1].fraction > fr; j--)
            q[j] = q[j - 1];
        q[j].fraction = fr;
        q[j].col = (int)s;
    }
    return n;
}

static void plot_latency(struct plotter *pl, const struct master *m, unsigned nm)
{
    const struct results *r = pl->r;
    int pol = pl->role[ROLE_POLICY];
    struct selection sel = { 0 };
    struct values ps = { 0 };
    struct quantile *q = calloc(r->nstats ? r->nstats : 1, sizeof(*q));
    unsigned made = 0;

    if (!q) {
        out_of_memory(pl);
        goto out;
    }
    if (policy_rows(pl, "latency-cdf", &sel, &ps))
        goto out;
    for (unsigned j = 0; j < nm; j++) {
        char name[NAME_MAX_LEN], sub[TITLE_MAX];
        unsigned nq = find_quantiles(r, m[j].name, q, r->nstats);
        bool recorded = false;
        struct dat d;
        for (unsigned k = 0; k < nq; k++)
            recorded |= any_positive(r, &sel, q[k].col);
        if (nq < 2 || !recorded)
            continue;
        sfmt(name, sizeof(name), "latency-cdf-%s", m[j].name);
        if (!dat_open(pl, &d, name, 1 + ps.n, &sel,
                      "translation latency (ns) of master %s at each quantile of master.%s.translation_ns "
                      "(min 0, pNN 0.NN, p999 0.999, max 1)\n"
                      "rows: fraction of bursts; columns: page-size policy (param:%s)",
                      m[j].name, m[j].name, param_key(r, pol)))
            break;
        dat_word(&d, "fraction");
        for (unsigned p = 0; p < ps.n; p++)
            dat_word(&d, ps.v[p]);
        for (unsigned k = 0; k < nq; k++) {
            dat_num(&d, q[k].fraction);
            for (unsigned p = 0; p < ps.n; p++)
                dat_num(&d, stat_at(find_row(pl, &sel, pol, ps.v[p], -1, NULL), q[k].col));
        }
        subtitle(sub, sizeof(sub), &sel, "master %s", m[j].name);
        dat_close(pl, &d, name, "latency-cdf.gp",
                  "translation latency distribution per page-size policy", sub);
        made++;
    }
    if (!made && !pl->failed)
        skip(pl, "latency-cdf", "no master recorded a translation latency (a functional-mode sweep "
             "records none)");
out:
    free(sel.use);
    free(ps.v);
    free(q);
}

/* ---- 4. Late frames and underruns vs policy, per master --------------------------------- */

static void plot_frames(struct plotter *pl, const struct master *m, unsigned nm)
{
    const struct results *r = pl->r;
    int pol = pl->role[ROLE_POLICY];
    struct selection sel = { 0 };
    struct values ps = { 0 };
    unsigned made = 0;

    if (policy_rows(pl, "frames", &sel, &ps))
        goto out;
    for (unsigned j = 0; j < nm; j++) {
        char name[NAME_MAX_LEN], sub[TITLE_MAX];
        struct dat d;
        /* Lateness needs time: a functional run counts frames but none is late. */
        if (!any_positive(r, &sel, m[j].frames) ||
            (m[j].timed >= 0 && !any_positive(r, &sel, m[j].timed)))
            continue;
        sfmt(name, sizeof(name), "frames-%s", m[j].name);
        if (!dat_open(pl, &d, name, 3, &sel,
                      "master %s per page-size policy (param:%s)\n"
                      "late_pct: late_frames / frames x 100; underruns: display lines that "
                      "ran dry", m[j].name, param_key(r, pol)))
            break;
        dat_word(&d, "policy");
        dat_word(&d, "late_pct");
        dat_word(&d, "underruns");
        for (unsigned p = 0; p < ps.n; p++) {
            const struct row *w = find_row(pl, &sel, pol, ps.v[p], -1, NULL);
            dat_word(&d, ps.v[p]);
            dat_num(&d, ratio(stat_at(w, m[j].late_frames), stat_at(w, m[j].frames)) * 100.0);
            dat_num(&d, stat_at(w, m[j].underruns));
        }
        subtitle(sub, sizeof(sub), &sel, "master %s", m[j].name);
        dat_close(pl, &d, name, "frames.gp",
                  "late frames and line underruns vs page-size policy", sub);
        made++;
    }
    if (!made && !pl->failed)
        skip(pl, "frames", "no master counted frames in a timed run (late frames and "
             "underruns need --mode timing)");
out:
    free(sel.use);
    free(ps.v);
}

/* ---- 5. Page-size mix vs fragmentation ------------------------------------------------- */

/* The buffer.B.D.pages_SIZE columns and the page size (index in page_sizes) of each. */
static unsigned find_page_columns(const struct results *r, int *cols, unsigned *size_of)
{
    unsigned n = 0;

    for (unsigned s = 0; s < r->nstats; s++) {
        const char *seg[MAX_SEGMENTS];
        size_t len[MAX_SEGMENTS];
        if (split_name(stat_name(r, s), seg, len, MAX_SEGMENTS) != 4 ||
            !seg_is(seg[0], len[0], "buffer"))
            continue;
        for (unsigned z = 0; z < NPAGE_SIZES; z++) {
            char want[16];
            sfmt(want, sizeof(want), "pages_%s", page_sizes[z]);
            if (seg_is(seg[3], len[3], want)) {
                cols[n] = (int)s;
                size_of[n++] = z;
            }
        }
    }
    return n;
}

static void plot_page_mix(struct plotter *pl)
{
    const struct results *r = pl->r;
    int frag = pl->role[ROLE_FRAG], pol = pl->role[ROLE_POLICY];
    const char *policy = NULL;
    struct selection sel = { 0 };
    struct values xs = { 0 };
    int *cols = calloc(r->nstats ? r->nstats : 1, sizeof(*cols));
    unsigned *size_of = calloc(r->nstats ? r->nstats : 1, sizeof(*size_of)), ncols;
    char name[NAME_MAX_LEN], word[NAME_MAX_LEN], sub[TITLE_MAX];
    struct dat d;

    if (!cols || !size_of) {
        out_of_memory(pl);
        goto out;
    }
    if (!pl->varies[ROLE_FRAG]) {
        skip_unvaried(pl, "page-mix", ROLE_FRAG);
        goto out;
    }
    if (!(ncols = find_page_columns(r, cols, size_of))) {
        skip(pl, "page-mix", "results.csv has no buffer.*.*.pages_* columns");
        goto out;
    }
    /* One policy: best when the sweep has it, else the first point's. */
    if (pol >= 0) {
        policy = pl->first->param[pol];
        for (unsigned i = 0; i < r->nrows; i++)
            if (r->row[i].ok && !strcmp(r->row[i].param[pol], "best"))
                policy = r->row[i].param[pol];
    }
    if (select_rows(pl, &frag, 1, pol, policy, &sel) ||
        distinct_values(pl, &sel, frag, ROLE_FRAG, &xs)) {
        out_of_memory(pl);
        goto out;
    }
    sfmt(name, sizeof(name), "page-mix-%s", policy ? fmt_word(policy, word, sizeof(word)) :
         "all");
    if (!dat_open(pl, &d, name, 1 + NPAGE_SIZES, &sel,
                  "share (%%) of the pages mapping the buffers, by size: the sum of "
                  "buffer.*.*.pages_SIZE over the sum of all four\n"
                  "rows: RAM fragmentation (param:%s)%s%s", param_key(r, frag),
                  policy ? "; page-size policy " : "", policy ? policy : ""))
        goto out;
    dat_word(&d, "fragmentation");
    for (unsigned z = 0; z < NPAGE_SIZES; z++)
        dat_word(&d, page_sizes[z]);
    for (unsigned x = 0; x < xs.n; x++) {
        const struct row *w = find_row(pl, &sel, frag, xs.v[x], -1, NULL);
        double count[NPAGE_SIZES] = { 0 }, total = 0;
        for (unsigned k = 0; k < ncols; k++) {
            double v = stat_at(w, cols[k]);
            if (!isnan(v)) {
                count[size_of[k]] += v;
                total += v;
            }
        }
        dat_word(&d, xs.v[x]);
        for (unsigned z = 0; z < NPAGE_SIZES; z++)
            dat_num(&d, ratio(count[z], total) * 100.0);
    }
    if (policy)
        subtitle(sub, sizeof(sub), &sel, "all buffers, policy %s", policy);
    else
        subtitle(sub, sizeof(sub), &sel, "all buffers");
    dat_close(pl, &d, name, "page-mix.gp", "page-size mix vs RAM fragmentation", sub);
out:
    free(sel.use);
    free(xs.v);
    free(cols);
    free(size_of);
}

/* ---- gnuplot ---------------------------------------------------------------------------- */

/* gnuplot's full path from PATH, or false. */
bool plot_find_gnuplot(char *path, size_t len)
{
    const char *env = getenv("PATH");

    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t n = colon ? (size_t)(colon - env) : strlen(env);
        struct stat st;
        if (n + sizeof("/" GNUPLOT) <= len) {
            sfmt(path, len, "%.*s/" GNUPLOT, (int)n, n ? env : ".");
            if (!n)
                sfmt(path, len, "./" GNUPLOT);
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

    sfmt(path, sizeof(path), "%s/" SCRIPT_COMMON, dir);
    return !access(path, R_OK);
}

/*
 * The plots/ directory: $IOMMUSIM_PLOTS, else beside the program (build/iommusim
 * and build/asan/iommusim both lead to the tree's plots/), else ./plots.
 */
int plot_find_scripts(char *dir, size_t len)
{
    const char *env = getenv(PLOTS_ENV);
    char exe[PATH_MAX_LEN];
    ssize_t n;

    if (env && *env) {
        sfmt(dir, len, "%s", env);
        if (strlen(env) + PATH_ROOM < len && has_scripts(dir))
            return 0;
        cli_error(CMD, "%s=%s: no " SCRIPT_COMMON " there (it names the directory of the "
                  "plot scripts, plots/ in the source tree)", PLOTS_ENV, env);
        return -1;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0 && (size_t)n + PATH_ROOM < len) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        sfmt(dir, len, "%s/../plots", exe);
        if (has_scripts(dir))
            return 0;
        sfmt(dir, len, "%s/../../plots", exe);
        if (has_scripts(dir))
            return 0;
    }
    sfmt(dir, len, "plots");
    if (has_scripts(dir))
        return 0;
    cli_error(CMD, "cannot find the plot scripts (" SCRIPT_COMMON " in $%s, in ../plots or "
              "../../plots beside the program, or in ./plots); set %s to the source tree's "
              "plots/", PLOTS_ENV, PLOTS_ENV);
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

static int run_gnuplot(const char *gnuplot, const char *scripts, const char *outdir,
                       const struct plot *p)
{
    struct gp_vars v = { .len = 0 };
    char path[PATH_MAX_LEN], script[PATH_MAX_LEN], ncol[32];
    pid_t pid;
    int st, rc;

    sfmt(script, sizeof(script), "%s/%s", scripts, p->script);
    gp_string(&v, "plotsdir", scripts);
    sfmt(path, sizeof(path), "%s/%s.dat", outdir, p->name);
    gp_string(&v, "datafile", path);
    sfmt(path, sizeof(path), "%s/%s", outdir, p->name);
    gp_string(&v, "outbase", path);
    gp_string(&v, "title", p->title);
    gp_string(&v, "subtitle", p->subtitle);
    gp_string(&v, "colmax", p->colmax);
    sfmt(ncol, sizeof(ncol), ";ncol=%u", p->ncol);
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
        return -1;
    }
    return 0;
}

/* ---- index.md, names, the command ------------------------------------------------------ */

static int write_index(const struct plotter *pl, bool images)
{
    const struct results *r = pl->r;
    char path[PATH_MAX_LEN];
    FILE *f;
    bool bad;

    sfmt(path, sizeof(path), "%s/index.md", pl->outdir);
    if (!(f = fopen(path, "w"))) {
        cli_error(CMD, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# Plots of %s\n\n", pl->scenario);
    fprintf(f, "Made by `iommusim plot` from results.csv: %u point%s, %u failed (left out).\n"
               "Each figure's numbers are in its .dat file; plots/README.md in the source "
               "tree says how to read them.\n", r->nrows, r->nrows == 1 ? "" : "s",
            r->nrows - r->nok);
    if (!images)
        fprintf(f, "\nNo images: gnuplot was not found when these files were made.\n");
    for (unsigned i = 0; i < pl->nplots; i++) {
        const struct plot *p = &pl->plot[i];
        fprintf(f, "\n## %s\n\n%s (%s)\n\n", p->name, p->title, p->subtitle);
        if (images)
            fprintf(f, "![%s](%s.png)\n\n[SVG](%s.svg), [data](%s.dat)\n", p->name, p->name,
                    p->name, p->name);
        else
            fprintf(f, "[data](%s.dat)\n", p->name);
    }
    if (pl->nskipped) {
        fprintf(f, "\n## Not drawn\n\n");
        for (unsigned i = 0; i < pl->nskipped; i++)
            fprintf(f, "- %s\n", pl->skipped[i]);
    }
    bad = ferror(f);
    if (fclose(f) || bad) {
        cli_error(CMD, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

/* The scenario's name: sweep.txt's scenario= (a path loses its directory and .yaml). */
static void scenario_name(const char *dir, char *name, size_t len)
{
    char path[PATH_MAX_LEN], line[PATH_MAX_LEN], real[PATH_MAX];
    const char *d, *slash;
    FILE *f;

    name[0] = 0;
    sfmt(path, sizeof(path), "%s/" SWEEP_FILE, dir);
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
        sfmt(name, len, "%s", v);
        break;
    }
    if (f)
        fclose(f);
    if (name[0])
        return;
    /* else the directory's own name */
    d = realpath(dir, real) ? real : dir;
    slash = strrchr(d, '/');
    sfmt(name, len, "%s", slash && slash[1] ? slash + 1 : d);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim plot DIR [--out PLOTDIR] [--title TEXT]\n\n"
            "Draws a sweep's results (DIR/results.csv, from iommusim sweep) as PNG and SVG\n"
            "figures with gnuplot, each beside the data file it is drawn from:\n"
            "  miss-rate-CONTEXT    TLB miss rate vs TLB entries, a line per page-size policy\n"
            "  desc-reads-all       descriptor reads per KiB transferred, per policy\n"
            "  latency-cdf-MASTER   translation latency distribution, a line per policy\n"
            "  frames-MASTER        late frames and display underruns, per policy\n"
            "  page-mix-POLICY      share of each page size vs RAM fragmentation\n"
            "and index.md listing them. A figure is made when the sweep varies what it\n"
            "needs (a param ending in tlb.entries, .policy or fragmentation); otherwise a\n"
            "line says why not.\n\n"
            "A run's directory with DIR/intervals.csv (iommusim run --stats-interval) and no\n"
            "results.csv gives its figures over time instead:\n"
            "  intervals-ctx-CONTEXT    misses, merged misses and walks per interval\n"
            "  intervals-master-MASTER  bandwidth and translation latency per interval\n\n"
            "  --out PLOTDIR  where to write (default DIR/plots; created)\n"
            "  --title TEXT   the name in every title (default: the scenario of\n"
            "                 DIR/sweep.txt, else DIR's name)\n"
            "  --help         this text\n\n"
            "The scripts are found in $" PLOTS_ENV ", else in ../plots or ../../plots beside\n"
            "the program, else in ./plots. Without gnuplot only the data files are written.\n"
            "Exit status: 0 done, 1 results.csv is missing or malformed or an output cannot\n"
            "be written, 2 usage error. plots/README.md explains the figures.\n");
}

/* Returns 0, CLI_USAGE after the message, or -1 after --help. */
static int parse_args(int argc, char **argv, const char **dir, const char **out,
                      const char **title)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val, *eq;
        const char **slot;
        size_t n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        }
        if (a[0] != '-' || !a[1]) {
            if (*dir) {
                cli_error(CMD, "one directory at a time: '%s' and '%s'", *dir, a);
                return CLI_USAGE;
            }
            *dir = a;
            continue;
        }
        eq = strchr(a, '=');
        n = eq ? (size_t)(eq - a) : strlen(a);
        if (n == 5 && !strncmp(a, "--out", n)) {
            slot = out;
        } else if (n == 7 && !strncmp(a, "--title", n)) {
            slot = title;
        } else {
            cli_error(CMD, "unknown option '%s' (options: --out, --title, --help)", a);
            return CLI_USAGE;
        }
        if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            cli_error(CMD, "%s needs a value", a);
            return CLI_USAGE;
        }
        if (!*val) {
            cli_error(CMD, "%.*s needs a non-empty value", (int)n, a);
            return CLI_USAGE;
        }
        *slot = val;
    }
    if (!*dir) {
        cli_error(CMD, "missing the sweep directory (iommusim plot DIR)");
        return CLI_USAGE;
    }
    if (strlen(*dir) + PATH_ROOM >= PATH_MAX_LEN ||
        (*out && strlen(*out) + PATH_ROOM >= PATH_MAX_LEN)) {
        cli_error(CMD, "%s: the path is too long (at most %d bytes)",
                  strlen(*dir) + PATH_ROOM >= PATH_MAX_LEN ? "DIR" : "--out",
                  PATH_MAX_LEN - PATH_ROOM - 1);
        return CLI_USAGE;
    }
    return 0;
}

/* Writes every figure's data file, then has gnuplot draw them; the exit status. */
static int make_plots(struct plotter *pl)
{
    const struct results *r = pl->r;
    struct context *ctx = calloc(r->nstats ? r->nstats : 1, sizeof(*ctx));
    struct master *m = calloc(r->nstats ? r->nstats : 1, sizeof(*m));
    char gnuplot[PATH_MAX_LEN], scripts[PATH_MAX_LEN];
    int status = CLI_FAILED;
    bool images;

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
    if (pl->failed)
        goto out;

    images = plot_find_gnuplot(gnuplot, sizeof(gnuplot));
    if (images && pl->nplots && plot_find_scripts(scripts, sizeof(scripts)))
        goto out;
    for (unsigned i = 0; i < pl->nplots; i++) {
        if (images && run_gnuplot(gnuplot, scripts, pl->outdir, &pl->plot[i]))
            goto out;
        printf("wrote %s/%s.dat%s\n", pl->outdir, pl->plot[i].name,
               images ? ", .png, .svg" : "");
    }
    if (write_index(pl, images))
        goto out;
    printf("wrote %s/index.md (%u figure%s)\n", pl->outdir, pl->nplots,
           pl->nplots == 1 ? "" : "s");
    if (!images)
        fprintf(stderr, "iommusim " CMD ": gnuplot not found; plots skipped (install "
                "gnuplot-nox)\n");
    status = CLI_OK;
out:
    free(ctx);
    free(m);
    return status;
}

int cmd_plot(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *title = NULL;
    char outdir[PATH_MAX_LEN], name[TITLE_MAX];
    struct plotter pl = { 0 };
    struct results r;
    int rc = parse_args(argc, argv, &dir, &out, &title), status = CLI_FAILED;

    if (rc)
        return rc < 0 ? CLI_OK : rc;
    sfmt(outdir, sizeof(outdir), "%s/" RESULTS_FILE, dir);
    if (access(outdir, F_OK)) {
        sfmt(outdir, sizeof(outdir), "%s/intervals.csv", dir);
        if (!access(outdir, F_OK)) {
            /* a run's directory: its figures over time */
            sfmt(outdir, sizeof(outdir), "%s%s", out ? out : dir, out ? "" : "/plots");
            if ((rc = cli_make_dir(outdir))) {
                cli_error(CMD, "%s%s: cannot create the directory: %s", out ? "--out " : "",
                          outdir, strerror(-rc));
                return CLI_FAILED;
            }
            return plot_intervals(dir, outdir, title);
        }
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
    sfmt(outdir, sizeof(outdir), "%s%s", out ? out : dir, out ? "" : "/plots");
    if ((rc = cli_make_dir(outdir))) {
        cli_error(CMD, "%s%s: cannot create the directory: %s", out ? "--out " : "", outdir,
                  strerror(-rc));
        goto out;
    }
    if (title)
        sfmt(name, sizeof(name), "%s", title);
    else
        scenario_name(dir, name, sizeof(name));

    pl.r = &r;
    pl.outdir = outdir;
    pl.scenario = name;
    for (unsigned i = 0; i < r.nrows && !pl.first; i++)
        if (r.row[i].ok)
            pl.first = &r.row[i];
    /* at most a figure per context, two per master, and the two single ones */
    pl.plot = calloc(3 * (size_t)r.nstats + 2, sizeof(*pl.plot));
    pl.skipped = calloc(NKINDS, sizeof(*pl.skipped));
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
