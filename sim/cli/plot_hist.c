/*
 * plot_hist.c - `iommusim plot`: latency distributions drawn from whole histograms.
 *
 * results.csv has only a dozen quantiles of each master's translation latency; the
 * run of each point also left DIR/points/NNNN/histograms.csv, every non-empty
 * bucket of master.M.translation_ps (name,low,high,count: docs/stats.md). This file
 * reads those and turns them into one cumulative distribution per page-size policy.
 *
 * Within a bucket the samples are taken as spread evenly: a bucket [low, high]
 * holding c of the n samples raises the distribution by c / n linearly from
 * x = low to x = high + 1 (picoseconds). So F is exact at every bucket edge, rises
 * in a near-vertical step over an exact bucket (one picosecond wide), and is flat
 * across empty buckets. Every histogram of a run has the same bucket edges; only
 * the first and last bucket of each are narrowed to its minimum and maximum. The
 * rows of the data file are the union of every policy's edges, so each column is
 * exact at its own edges and interpolated only where another policy's narrowed
 * end falls inside one of its buckets. A column is missing (?) below its minimum
 * and above its maximum + 1 ps, so each line spans its own samples.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/cli/cli.h"
#include "sim/cli/plot.h"

#define HISTS_FILE      "histograms.csv"
#define HISTS_HEADER    "name,low,high,count"
#define POINT_DIGITS_MIN 4          /* DIR/points/0000: sweep_point_path's widths */
#define POINT_DIGITS_MAX 20
#define PS_PER_NS       1000.0

/* One bucket: its samples spread over [lo, end), end = high + 1. */
struct bucket {
    uint64_t lo, end, count;
};

struct hist {
    struct bucket *b;
    unsigned n;
    uint64_t total;
};

/* DIR/points/NNNN/histograms.csv of a point, at the width the sweep used; false
 * when no width has the directory. */
static bool point_file(const struct plotter *pl, const struct row *w, char *path, size_t len)
{
    unsigned long point = strtoul(w->point, NULL, 10);
    struct stat st;

    for (int digits = POINT_DIGITS_MIN; digits <= POINT_DIGITS_MAX; digits++) {
        plot_fmt(path, len, "%s/points/%0*lu", pl->dir, digits, point);
        if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
            plot_fmt(path, len, "%s/points/%0*lu/" HISTS_FILE, pl->dir, digits, point);
            return !stat(path, &st) && S_ISREG(st.st_mode);
        }
    }
    return false;
}

static void hist_error(const char *path, unsigned line, const char *what, const char *text)
{
    cli_error(CMD, "%s:%u: error: %s%s%s%s", path, line, what, text ? " ('" : "",
              text ? text : "", text ? "')" : "");
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return !*end && errno != ERANGE;
}

/*
 * One data line, name,low,high,count, into its fields; false after the message.
 * The name is the line's own text (cut at its first comma).
 */
static bool parse_hist_line(const char *path, unsigned line, char *s, const char **name,
                            uint64_t v[3])
{
    char *f[4];
    unsigned n = 0;

    for (char *c = s; n < 4; n++) {
        f[n] = c;
        c = strchr(c, ',');
        if (!c)
            break;
        *c++ = 0;
    }
    if (n != 3) {
        hist_error(path, line, "expected 4 fields: name,low,high,count", NULL);
        return false;
    }
    for (unsigned k = 0; k < 3; k++)
        if (!parse_u64(f[k + 1], &v[k])) {
            hist_error(path, line, k == 0 ? "low is not a whole number" :
                       k == 1 ? "high is not a whole number" : "count is not a whole number",
                       f[k + 1]);
            return false;
        }
    if (v[0] > v[1] || v[1] == UINT64_MAX || !v[2]) {
        hist_error(path, line, v[2] ? "low is above high, or high is the largest value" :
                   "a bucket with count 0 (only non-empty buckets are listed)", NULL);
        return false;
    }
    *name = f[0];
    return true;
}

/* The buckets of histogram `name` in the file; -1 after the message. */
static int load_hist(const char *path, const char *name, struct hist *h)
{
    size_t len;
    char *text = plot_read_file(path, &len), *s, *next;
    unsigned line = 0, cap = 0;
    int rc = 0;

    memset(h, 0, sizeof(*h));
    if (!text) {
        cli_error(CMD, "%s: error: cannot read: %s", path, strerror(errno));
        return -1;
    }
    for (s = text; s && *s && !rc; s = next) {
        const char *nm;
        uint64_t v[3];
        char *nl = strchr(s, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = 0;
        if (++line == 1) {
            if (strcmp(s, HISTS_HEADER)) {
                hist_error(path, line, "the header is not " HISTS_HEADER, s);
                rc = -1;
            }
            continue;
        }
        if (!parse_hist_line(path, line, s, &nm, v)) {
            rc = -1;
            break;
        }
        if (strcmp(nm, name))
            continue;
        if (h->n && v[0] < h->b[h->n - 1].end) {
            hist_error(path, line, "the buckets of a histogram must ascend without "
                       "overlapping", NULL);
            rc = -1;
            break;
        }
        if (h->n == cap) {
            struct bucket *grown = realloc(h->b, (cap ? 2 * cap : 64) * sizeof(*grown));
            if (!grown) {
                cli_error(CMD, "out of memory");
                rc = -1;
                break;
            }
            h->b = grown;
            cap = cap ? 2 * cap : 64;
        }
        h->b[h->n++] = (struct bucket){ .lo = v[0], .end = v[1] + 1, .count = v[2] };
        h->total += v[2];
    }
    if (!line && !rc) {
        hist_error(path, 1, "empty file (expected the header " HISTS_HEADER ")", NULL);
        rc = -1;
    }
    free(text);
    return rc;
}

/* F(x): the fraction of the samples below x (ps), samples spread evenly within
 * their bucket; NAN below the first bucket and above the last. */
static double hist_cdf(const struct hist *h, uint64_t x)
{
    uint64_t below = 0;

    if (!h->n || x < h->b[0].lo || x > h->b[h->n - 1].end)
        return NAN;
    for (unsigned i = 0; i < h->n; i++) {
        const struct bucket *b = &h->b[i];
        if (x <= b->lo)
            return (double)below / (double)h->total;
        if (x < b->end)
            return ((double)below + (double)b->count * (double)(x - b->lo) /
                    (double)(b->end - b->lo)) / (double)h->total;
        below += b->count;
    }
    return 1.0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Every policy's bucket edges, sorted, each once; NULL when out of memory. */
static uint64_t *union_edges(const struct hist *h, unsigned nh, unsigned *n)
{
    size_t most = 0, k = 0;
    uint64_t *e;

    for (unsigned p = 0; p < nh; p++)
        most += 2 * (size_t)h[p].n;
    if (!(e = malloc((most ? most : 1) * sizeof(*e))))
        return NULL;
    for (unsigned p = 0; p < nh; p++)
        for (unsigned i = 0; i < h[p].n; i++) {
            e[k++] = h[p].b[i].lo;
            e[k++] = h[p].b[i].end;
        }
    qsort(e, k, sizeof(*e), cmp_u64);
    *n = 0;
    for (size_t i = 0; i < k; i++)
        if (!*n || e[*n - 1] != e[i])
            e[(*n)++] = e[i];
    return e;
}

static void write_cdf(struct plotter *pl, const struct selection *sel, const struct values *ps,
                      const struct hist *h, const char *master, const char *name,
                      const char *sub)
{
    int pol = pl->role[ROLE_POLICY];
    unsigned ne;
    uint64_t *edge = union_edges(h, ps->n, &ne);
    struct dat d;

    if (!edge) {
        plot_oom(pl);
        return;
    }
    if (dat_open(pl, &d, name, 1 + ps->n, sel,
                 "translation latency distribution of master %s, from every bucket of "
                 "master.%s.translation_ps in each point's points/NNNN/" HISTS_FILE "\n"
                 "rows: latency (ns) at each bucket edge of any policy; columns: page-size "
                 "policy (param:%s), the fraction of bursts below that latency\n"
                 "within a bucket the bursts are taken as spread evenly; ? below a policy's "
                 "fastest burst and above its slowest",
                 master, master, param_key(pl->r, pol))) {
        dat_word(&d, "latency_ns");
        for (unsigned p = 0; p < ps->n; p++)
            dat_word(&d, ps->v[p]);
        for (unsigned i = 0; i < ne; i++) {
            dat_num(&d, (double)edge[i] / PS_PER_NS);
            for (unsigned p = 0; p < ps->n; p++)
                dat_num(&d, hist_cdf(&h[p], edge[i]));
        }
        dat_close(pl, &d, name, "latency-cdf.gp",
                  "translation latency distribution per page-size policy", sub);
    }
    free(edge);
}

int plot_latency_hists(struct plotter *pl, const struct selection *sel, const struct values *ps,
                       const char *master, const char *name, const char *sub)
{
    int pol = pl->role[ROLE_POLICY], rc = 0;
    struct hist *h = calloc(ps->n ? ps->n : 1, sizeof(*h));
    char hname[NAME_MAX_LEN + 32];

    if (!h) {
        plot_oom(pl);
        return -1;
    }
    plot_fmt(hname, sizeof(hname), "master.%s.translation_ps", master);
    for (unsigned p = 0; p < ps->n && !rc; p++) {
        const struct row *w = find_row(pl, sel, pol, ps->v[p], -1, NULL);
        char path[PATH_MAX_LEN];
        if (!w)
            continue;
        if (!point_file(pl, w, path, sizeof(path)))
            rc = 1;
        else if (load_hist(path, hname, &h[p]))
            rc = -1;
    }
    if (!rc)
        write_cdf(pl, sel, ps, h, master, name, sub);
    else if (rc < 0)
        pl->failed = true;
    for (unsigned p = 0; p < ps->n; p++)
        free(h[p].b);
    free(h);
    return rc < 0 || pl->failed ? -1 : rc;
}
