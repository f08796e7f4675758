/*
 * plot_mrc.c - `iommusim plot --mrc FILE.csv`: the miss-ratio curve, TLB misses
 * per reference against TLB entries, one line per page size.
 *
 * The input is a small CSV that `iommusim tlb` runs can be turned into today (one
 * row per run: plots/README.md shows the loop over `tlb --json`), and that a tlb
 * computing a whole curve in one pass can write directly: a header naming at least
 * the columns entries, page_size, misses and references (in any order; others are
 * ignored), then one row per (entries, page_size). The miss ratio drawn is
 * misses / references x 100; the data file mrc.dat has a row per TLB size and a
 * column per page size, like the miss-rate figure of a sweep.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/plot.h"

#define MRC_NAME        "mrc"
#define MRC_MAX_FIELDS  64

/* The columns the file must have, by name. */
enum mrc_col { MRC_ENTRIES, MRC_PAGE_SIZE, MRC_MISSES, MRC_REFERENCES, NMRC_COLS };
static const char *const mrc_cols[NMRC_COLS] = { "entries", "page_size", "misses",
                                                 "references" };

/* Page sizes in size order; any other name comes after them, as first seen. */
static const char *const mrc_sizes[] = { "4k", "64k", "1m", "16m" };
#define NMRC_SIZES (sizeof(mrc_sizes) / sizeof(mrc_sizes[0]))

struct mrc_row {
    unsigned line;
    uint64_t entries, misses, references;
    const char *size;
};

struct mrc {
    const char *path;
    char *text;
    struct mrc_row *row;
    unsigned nrows;
};

static void mrc_error(const struct mrc *m, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void mrc_error(const struct mrc *m, unsigned line, const char *fmt, ...)
{
    char msg[NOTE_MAX * 2];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cli_error(CMD, "%s:%u: error: %s", m->path, line, msg);
}

/* Splits a line at its commas, in place; the number of fields, or -1 past max. */
static int split_commas(char *s, char **f, unsigned max)
{
    unsigned n = 0;

    for (;;) {
        if (n == max)
            return -1;
        f[n++] = s;
        s = strchr(s, ',');
        if (!s)
            return (int)n;
        *s++ = 0;
    }
}

static bool whole_number(const char *s, uint64_t *v)
{
    char *end;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return !*end && errno != ERANGE;
}

static int parse_header(struct mrc *m, char *line, int *col, unsigned *ncols)
{
    char *f[MRC_MAX_FIELDS];
    int n = split_commas(line, f, MRC_MAX_FIELDS);

    if (n < 0) {
        mrc_error(m, 1, "more than %d columns", MRC_MAX_FIELDS);
        return -1;
    }
    for (unsigned c = 0; c < NMRC_COLS; c++) {
        col[c] = -1;
        for (int i = 0; i < n; i++)
            if (!strcmp(f[i], mrc_cols[c])) {
                if (col[c] >= 0) {
                    mrc_error(m, 1, "column %d: '%s' repeats column %d", i + 1, f[i],
                              col[c] + 1);
                    return -1;
                }
                col[c] = i;
            }
        if (col[c] < 0) {
            mrc_error(m, 1, "no column '%s' (the header must name entries, page_size, "
                      "misses and references)", mrc_cols[c]);
            return -1;
        }
    }
    *ncols = (unsigned)n;
    return 0;
}

static int parse_row(struct mrc *m, unsigned line, char *text, const int *col, unsigned ncols)
{
    char *f[MRC_MAX_FIELDS];
    int n = split_commas(text, f, MRC_MAX_FIELDS);
    struct mrc_row *w = &m->row[m->nrows];
    uint64_t *num[NMRC_COLS] = { &w->entries, NULL, &w->misses, &w->references };

    if (n != (int)ncols) {
        mrc_error(m, line, "%d field%s, the header has %u", n, n == 1 ? "" : "s", ncols);
        return -1;
    }
    for (unsigned c = 0; c < NMRC_COLS; c++)
        if (num[c] && !whole_number(f[col[c]], num[c])) {
            mrc_error(m, line, "%s: '%s' is not a whole number", mrc_cols[c], f[col[c]]);
            return -1;
        }
    w->size = f[col[MRC_PAGE_SIZE]];
    w->line = line;
    if (!w->entries || !*w->size || strchr(w->size, '"')) {
        mrc_error(m, line, !w->entries ? "entries: must be at least 1" :
                  "page_size: '%s' is not a page size name", w->size);
        return -1;
    }
    if (!w->references || w->misses > w->references) {
        mrc_error(m, line, "misses %llu and references %llu: need 0 < references and "
                  "misses <= references", (unsigned long long)w->misses,
                  (unsigned long long)w->references);
        return -1;
    }
    for (unsigned k = 0; k < m->nrows; k++)
        if (m->row[k].entries == w->entries && !strcmp(m->row[k].size, w->size)) {
            mrc_error(m, line, "entries %llu, page size %s: repeats line %u",
                      (unsigned long long)w->entries, w->size, m->row[k].line);
            return -1;
        }
    m->nrows++;
    return 0;
}

static int mrc_load(struct mrc *m, const char *path)
{
    int col[NMRC_COLS];
    unsigned line = 0, lines = 1, ncols = 0;
    size_t len;
    char *s, *next;

    memset(m, 0, sizeof(*m));
    m->path = path;
    if (!(m->text = plot_read_file(path, &len))) {
        cli_error(CMD, "%s: error: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (strlen(m->text) != len) {
        mrc_error(m, 1, "a NUL byte: not a text file");
        return -1;
    }
    for (s = m->text; *s; s++)
        lines += *s == '\n';
    if (!(m->row = calloc(lines, sizeof(*m->row)))) {
        cli_error(CMD, "out of memory");
        return -1;
    }
    for (s = m->text; s; s = next) {
        char *nl = strchr(s, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) {
            *nl = 0;
            if (nl > s && nl[-1] == '\r')
                nl[-1] = 0;
        }
        line++;
        if (!nl && !*s && line > 1)
            break;
        if (line == 1) {
            if (!*s) {
                mrc_error(m, 1, "empty file (expected the header "
                          "entries,page_size,misses,references)");
                return -1;
            }
            if (parse_header(m, s, col, &ncols))
                return -1;
        } else if (!*s) {
            mrc_error(m, line, "empty line");
            return -1;
        } else if (parse_row(m, line, s, col, ncols)) {
            return -1;
        }
    }
    if (!m->nrows) {
        mrc_error(m, 1, "no rows, only the header: nothing to plot");
        return -1;
    }
    return 0;
}

static int size_rank(const char *s)
{
    for (unsigned i = 0; i < NMRC_SIZES; i++)
        if (!strcmp(s, mrc_sizes[i]))
            return (int)i;
    return (int)NMRC_SIZES;
}

/* The distinct page sizes, in size order, others after in their first order. */
static unsigned mrc_sizes_of(const struct mrc *m, const char **size)
{
    unsigned n = 0;

    for (unsigned k = 0; k < m->nrows; k++) {
        const char *s = m->row[k].size;
        unsigned j;
        bool seen = false;
        for (j = 0; j < n && !seen; j++)
            seen = !strcmp(size[j], s);
        if (seen)
            continue;
        for (j = n; j > 0 && size_rank(size[j - 1]) > size_rank(s); j--)
            size[j] = size[j - 1];
        size[j] = s;
        n++;
    }
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* The distinct TLB sizes, ascending. */
static unsigned mrc_entries_of(const struct mrc *m, uint64_t *e)
{
    unsigned n = 0;

    for (unsigned k = 0; k < m->nrows; k++)
        e[k] = m->row[k].entries;
    qsort(e, m->nrows, sizeof(*e), cmp_u64);
    for (unsigned k = 0; k < m->nrows; k++)
        if (!n || e[n - 1] != e[k])
            e[n++] = e[k];
    return n;
}

static const struct mrc_row *mrc_find(const struct mrc *m, uint64_t entries, const char *size)
{
    for (unsigned k = 0; k < m->nrows; k++)
        if (m->row[k].entries == entries && !strcmp(m->row[k].size, size))
            return &m->row[k];
    return NULL;
}

int plot_mrc(struct plotter *pl, const char *path)
{
    struct mrc m;
    const char **size = NULL;
    uint64_t *entries = NULL;
    struct selection sel = { 0 };
    char sub[TITLE_MAX];
    unsigned ns, ne;
    struct dat d;
    int rc = -1;

    if (mrc_load(&m, path))
        goto out;
    size = calloc(m.nrows, sizeof(*size));
    entries = calloc(m.nrows, sizeof(*entries));
    if (!size || !entries) {
        cli_error(CMD, "out of memory");
        goto out;
    }
    ns = mrc_sizes_of(&m, size);
    ne = mrc_entries_of(&m, entries);
    rc = 0;
    pl->source_rows = m.nrows;
    if (!dat_open(pl, &d, MRC_NAME, 1 + ns, &sel,
                  "TLB miss ratio (%%): misses / references x 100, from %s\n"
                  "rows: TLB entries; columns: page size", path)) {
        rc = -1;
        goto out;
    }
    dat_word(&d, "entries");
    for (unsigned z = 0; z < ns; z++)
        dat_word(&d, size[z]);
    for (unsigned x = 0; x < ne; x++) {
        dat_num(&d, (double)entries[x]);
        for (unsigned z = 0; z < ns; z++) {
            const struct mrc_row *w = mrc_find(&m, entries[x], size[z]);
            dat_num(&d, w ? (double)w->misses / (double)w->references * 100.0 : NAN);
        }
    }
    plot_fmt(sub, sizeof(sub), "%u TLB size%s x %u page size%s", ne, ne == 1 ? "" : "s", ns,
             ns == 1 ? "" : "s");
    dat_close(pl, &d, MRC_NAME, "mrc.gp", "TLB miss-ratio curve", sub);
    rc = pl->failed ? -1 : 0;
out:
    free(size);
    free(entries);
    free(m.row);
    free(m.text);
    return rc;
}
