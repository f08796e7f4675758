/*
 * plot_results.c - `iommusim plot`: reading a sweep's results.csv (RFC 4180 fields,
 * the header point,status,param:KEY...,STAT...), and finding the SMMU contexts and
 * masters in the names of its statistics. sim/cli/plot.h lists the parts of the
 * command.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/plot.h"


/*
 * snprintf whose output may be cut at len - 1 bytes. Used where it cannot be, for
 * paths (cmd_plot checks the directories' lengths first), and for titles, which
 * are cut rather than refused.
 */
void plot_fmt(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}
const char *param_key(const struct results *r, unsigned p)
{
    return r->col[FIRST_PARAM + p] + strlen(PARAM_PREFIX);
}

const char *stat_name(const struct results *r, unsigned s)
{
    return r->col[FIRST_PARAM + r->nparams + s];
}

/* The statistic's column, or -1: printf-style name. */
int stat_find(const struct results *r, const char *fmt, ...)
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
double stat_at(const struct row *w, int s)
{
    return !w || s < 0 ? NAN : w->stat[s];
}

void results_free(struct results *r)
{
    free(r->text);
    free(r->col);
    free(r->row);
    free(r->field);
    free(r->val);
}

/* Reads the whole file and its length; NULL (errno set) when it cannot. */
char *plot_read_file(const char *path, size_t *length)
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

void plot_csv_error(const struct results *r, unsigned line, const char *fmt, ...)
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
                    plot_csv_error(r, line, "field %u: the quoted field is not closed", n + 1);
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
                plot_csv_error(r, line, "field %u: text after the closing quote", n + 1);
                return -1;
            }
        } else {
            while (*s && *s != ',') {
                if (*s == '"') {
                    plot_csv_error(r, line, "field %u: a quote inside an unquoted field", n + 1);
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
bool plot_parse_number(const char *s, double *v)
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
        plot_csv_error(r, 1, "out of memory");
        return -1;
    }
    if ((n = split_fields(r, 1, line, r->col, most)) < 0)
        return -1;
    r->ncols = (unsigned)n;
    if (r->ncols < 2 || strcmp(r->col[COL_POINT], "point") ||
        strcmp(r->col[COL_STATUS], "status")) {
        plot_csv_error(r, 1, "the header must start with point,status (found '%s%s%s')",
                  r->col[0], r->ncols > 1 ? "," : "", r->ncols > 1 ? r->col[1] : "");
        return -1;
    }
    for (i = FIRST_PARAM; i < r->ncols && !strncmp(r->col[i], PARAM_PREFIX,
                                                   strlen(PARAM_PREFIX)); i++) {
        if (!r->col[i][strlen(PARAM_PREFIX)]) {
            plot_csv_error(r, 1, "column %u: a param: column without a key", i + 1);
            return -1;
        }
    }
    r->nparams = i - FIRST_PARAM;
    for (; i < r->ncols; i++) {
        if (!strncmp(r->col[i], PARAM_PREFIX, strlen(PARAM_PREFIX))) {
            plot_csv_error(r, 1, "column %u: '%s' comes after the statistics (the param: columns "
                      "come first)", i + 1, r->col[i]);
            return -1;
        }
        if (!valid_stat_name(r->col[i])) {
            plot_csv_error(r, 1, "column %u: '%s' is not a statistic name (dot-separated words of "
                      "A-Z a-z 0-9 _ -)", i + 1, r->col[i]);
            return -1;
        }
    }
    r->nstats = r->ncols - FIRST_PARAM - r->nparams;
    for (i = 0; i < r->ncols; i++)
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(r->col[i], r->col[j])) {
                plot_csv_error(r, 1, "column %u: '%s' repeats column %u", i + 1, r->col[i], j + 1);
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
        plot_csv_error(r, line, "%d field%s, the header has %u", n, n == 1 ? "" : "s", r->ncols);
        return -1;
    }
    if (!all_digits(f[COL_POINT])) {
        plot_csv_error(r, line, "field 1 (point): '%s' is not a point number", f[COL_POINT]);
        return -1;
    }
    if (strcmp(f[COL_STATUS], "ok") && strcmp(f[COL_STATUS], "failed")) {
        plot_csv_error(r, line, "field 2 (status): '%s' is not ok or failed", f[COL_STATUS]);
        return -1;
    }
    w->line = line;
    w->point = f[COL_POINT];
    w->ok = !strcmp(f[COL_STATUS], "ok");
    w->param = f + FIRST_PARAM;
    w->stat = &r->val[(size_t)k * r->nstats];
    for (unsigned s = 0; s < r->nstats; s++) {
        const char *v = f[FIRST_PARAM + r->nparams + s];
        if (!*v) {
            w->stat[s] = NAN;
        } else if (!plot_parse_number(v, &w->stat[s])) {
            plot_csv_error(r, line, "field %u (%s): '%s' is not a number",
                      FIRST_PARAM + r->nparams + s + 1, stat_name(r, s), v);
            return -1;
        }
    }
    r->nrows++;
    r->nok += w->ok;
    return 0;
}

/* Loads DIR/results.csv; reports the file and line of what is wrong. */
int results_load(struct results *r, const char *dir)
{
    unsigned lines = 0, line = 0;
    char *s, *next;
    size_t len = 0;

    memset(r, 0, sizeof(*r));
    plot_fmt(r->path, sizeof(r->path), "%s/" RESULTS_FILE, dir);
    r->text = plot_read_file(r->path, &len);
    if (!r->text) {
        cli_error(CMD, "%s: error: cannot open: %s", r->path, strerror(errno));
        return -1;
    }
    if (strlen(r->text) != len) {
        for (s = r->text; *s; s++)
            line += *s == '\n';
        plot_csv_error(r, line + 1, "a NUL byte: not a text file");
        return -1;
    }
    if (!*r->text) {
        plot_csv_error(r, 1, "empty file (expected the header point,status,...)");
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
                plot_csv_error(r, 1, "out of memory");
                return -1;
            }
            continue;
        }
        if (!*s) {
            plot_csv_error(r, line, "empty line");
            return -1;
        }
        if (parse_row(r, line, s))
            return -1;
    }
    return 0;
}

/* ---- Names in results.csv -------------------------------------------------------------- */

/* Splits a statistic's name at its dots; the number of segments (at most max). */
unsigned plot_split_name(const char *name, const char **seg, size_t *len, unsigned max)
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

bool plot_seg_is(const char *seg, size_t len, const char *word)
{
    return strlen(word) == len && !strncmp(seg, word, len);
}

/* An SMMU context seen in smmu.S.ctx.C.miss_rate, with the columns the figures use. */
unsigned find_contexts(const struct results *r, struct context *ctx, unsigned max)
{
    unsigned n = 0;

    for (unsigned s = 0; s < r->nstats && n < max; s++) {
        const char *seg[MAX_SEGMENTS];
        size_t len[MAX_SEGMENTS];
        if (plot_split_name(stat_name(r, s), seg, len, MAX_SEGMENTS) != 5 ||
            !plot_seg_is(seg[0], len[0], "smmu") || !plot_seg_is(seg[2], len[2], "ctx") ||
            !plot_seg_is(seg[4], len[4], "miss_rate") || len[1] >= NAME_MAX_LEN ||
            len[3] >= NAME_MAX_LEN)
            continue;
        struct context *c = &ctx[n++];
        plot_fmt(c->smmu, sizeof(c->smmu), "%.*s", (int)len[1], seg[1]);
        plot_fmt(c->name, sizeof(c->name), "%.*s", (int)len[3], seg[3]);
        c->miss_rate = (int)s;
        c->translations = stat_find(r, "smmu.%s.ctx.%s.translations", c->smmu, c->name);
        c->desc_reads = stat_find(r, "smmu.%s.ctx.%s.desc_reads", c->smmu, c->name);
    }
    for (unsigned i = 0; i < n; i++) {
        bool shared = false;
        for (unsigned j = 0; j < n; j++)
            shared |= j != i && !strcmp(ctx[i].name, ctx[j].name);
        if (shared)
            plot_fmt(ctx[i].subject, sizeof(ctx[i].subject), "%s-%s", ctx[i].smmu, ctx[i].name);
        else
            plot_fmt(ctx[i].subject, sizeof(ctx[i].subject), "%s", ctx[i].name);
    }
    return n;
}

unsigned find_masters(const struct results *r, struct master *m, unsigned max)
{
    unsigned n = 0;

    for (unsigned s = 0; s < r->nstats && n < max; s++) {
        const char *seg[MAX_SEGMENTS];
        size_t len[MAX_SEGMENTS];
        if (plot_split_name(stat_name(r, s), seg, len, MAX_SEGMENTS) != 3 ||
            !plot_seg_is(seg[0], len[0], "master") || !plot_seg_is(seg[2], len[2], "bytes_read") ||
            len[1] >= NAME_MAX_LEN)
            continue;
        struct master *x = &m[n++];
        plot_fmt(x->name, sizeof(x->name), "%.*s", (int)len[1], seg[1]);
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
