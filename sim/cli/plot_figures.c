/*
 * plot_figures.c - `iommusim plot`: the kinds of figure. Each picks its points
 * (plot_select.c), does all the arithmetic, and writes one data file per figure
 * that a script of plots/ lays out; plots/README.md says what each shows.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/plot.h"

/* The four page sizes, as the buffer statistics name them. */
static const char *const page_sizes[] = { "4k", "64k", "1m", "16m" };
static const double page_bytes[] = { 4096.0, 65536.0, 1048576.0, 16777216.0 };
#define NPAGE_SIZES (sizeof(page_sizes) / sizeof(page_sizes[0]))

/* ---- 1. TLB miss rate vs TLB entries, per context --------------------------------------- */

void plot_miss_rate(struct plotter *pl, const struct context *ctx, unsigned nctx)
{
    const struct results *r = pl->r;
    int ent = pl->role[ROLE_ENTRIES], pol = pl->role[ROLE_POLICY];
    int axis[2] = { ent, pl->varies[ROLE_POLICY] ? pol : -1 };
    struct selection sel = { 0 };
    struct values xs = { 0 }, ss = { 0 };
    char series[TITLE_MAX];
    unsigned made = 0, nseries;

    if (!pl->varies[ROLE_ENTRIES]) {
        plot_skip_unvaried(pl, "miss-rate", ROLE_ENTRIES);
        return;
    }
    if (select_rows(pl, axis, 2, -1, NULL, &sel) ||
        distinct_values(pl, &sel, ent, ROLE_ENTRIES, &xs) ||
        (axis[1] >= 0 && distinct_values(pl, &sel, pol, ROLE_POLICY, &ss))) {
        plot_oom(pl);
        goto out;
    }
    nseries = axis[1] >= 0 ? ss.n : 1;
    if (axis[1] >= 0)
        plot_fmt(series, sizeof(series), "page-size policy (param:%s)", param_key(r, pol));
    else
        plot_fmt(series, sizeof(series), "the sweep's one page-size policy");
    for (unsigned c = 0; c < nctx; c++) {
        char name[NAME_MAX_LEN], sub[TITLE_MAX];
        struct dat d;
        if (!any_positive(r, &sel, ctx[c].translations))
            continue;
        plot_fmt(name, sizeof(name), "miss-rate-%s", ctx[c].subject);
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
        plot_subtitle(sub, sizeof(sub), &sel, "context %s.%s", ctx[c].smmu, ctx[c].name);
        dat_close(pl, &d, name, "miss-rate.gp", "TLB miss rate vs TLB entries", sub);
        made++;
    }
    if (!made && !pl->failed)
        plot_skip(pl, "miss-rate", "no SMMU context translated anything");
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

void plot_desc_reads(struct plotter *pl, const struct context *ctx, unsigned nctx,
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
        plot_oom(pl);
        goto out;
    }
    if (policy_rows(pl, "desc-reads", &sel, &ps))
        goto out;
    for (unsigned c = 0; c < nctx; c++)
        if (ctx[c].desc_reads >= 0 && any_positive(r, &sel, ctx[c].translations))
            used[nused++] = c;
    if (!nused) {
        plot_skip(pl, "desc-reads", "no SMMU context translated anything");
        goto out;
    }
    if (!nm) {
        plot_skip(pl, "desc-reads", "results.csv has no master.*.bytes_read columns");
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
    plot_subtitle(sub, sizeof(sub), &sel, "%s", per_ctx ? "all contexts, then each with its master" :
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

    if (plot_seg_is(q, len, "min") || plot_seg_is(q, len, "max")) {
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
        if (plot_split_name(stat_name(r, s), seg, len, MAX_SEGMENTS) != 4 ||
            !plot_seg_is(seg[0], len[0], "master") || !plot_seg_is(seg[1], len[1], master) ||
            !plot_seg_is(seg[2], len[2], "translation_ns") || !quantile_fraction(seg[3], len[3], &fr))
            continue;
        unsigned j = n++;
        for (; j > 0 && q[j - 1].fraction > fr; j--)
            q[j] = q[j - 1];
        q[j].fraction = fr;
        q[j].col = (int)s;
    }
    return n;
}

/* The distribution through the quantiles of results.csv: the points have no
 * histograms.csv (a sweep from before run wrote it). */
static void latency_from_quantiles(struct plotter *pl, const struct selection *sel,
                                   const struct values *ps, const struct quantile *q,
                                   unsigned nq, const char *master, const char *name,
                                   const char *sub)
{
    int pol = pl->role[ROLE_POLICY];
    struct dat d;

    if (!dat_open(pl, &d, name, 1 + ps->n, sel,
                  "translation latency (ns) of master %s at each quantile of "
                  "master.%s.translation_ns (min 0, pNN 0.NN, p999 0.999, max 1)\n"
                  "rows: fraction of bursts; columns: page-size policy (param:%s)\n"
                  "from the quantiles: a point has no points/NNNN/histograms.csv",
                  master, master, param_key(pl->r, pol)))
        return;
    dat_word(&d, "fraction");
    for (unsigned p = 0; p < ps->n; p++)
        dat_word(&d, ps->v[p]);
    for (unsigned k = 0; k < nq; k++) {
        dat_num(&d, q[k].fraction);
        for (unsigned p = 0; p < ps->n; p++)
            dat_num(&d, stat_at(find_row(pl, sel, pol, ps->v[p], -1, NULL), q[k].col));
    }
    dat_close(pl, &d, name, "latency-quantiles.gp",
              "translation latency distribution per page-size policy", sub);
}

void plot_latency(struct plotter *pl, const struct master *m, unsigned nm)
{
    const struct results *r = pl->r;
    struct selection sel = { 0 };
    struct values ps = { 0 };
    struct quantile *q = calloc(r->nstats ? r->nstats : 1, sizeof(*q));
    unsigned made = 0;

    if (!q) {
        plot_oom(pl);
        goto out;
    }
    if (policy_rows(pl, "latency-cdf", &sel, &ps))
        goto out;
    for (unsigned j = 0; j < nm && !pl->failed; j++) {
        char name[NAME_MAX_LEN], sub[TITLE_MAX];
        unsigned nq = find_quantiles(r, m[j].name, q, r->nstats);
        bool recorded = false;
        for (unsigned k = 0; k < nq; k++)
            recorded |= any_positive(r, &sel, q[k].col);
        if (nq < 2 || !recorded)
            continue;
        plot_fmt(name, sizeof(name), "latency-cdf-%s", m[j].name);
        plot_subtitle(sub, sizeof(sub), &sel, "master %s", m[j].name);
        if (plot_latency_hists(pl, &sel, &ps, m[j].name, name, sub) > 0)
            latency_from_quantiles(pl, &sel, &ps, q, nq, m[j].name, name, sub);
        made++;
    }
    if (!made && !pl->failed)
        plot_skip(pl, "latency-cdf", "no master recorded a translation latency (a "
                  "functional-mode sweep records none)");
out:
    free(sel.use);
    free(ps.v);
    free(q);
}

/* ---- 4. Late frames and underruns vs policy, per master --------------------------------- */

void plot_frames(struct plotter *pl, const struct master *m, unsigned nm)
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
        plot_fmt(name, sizeof(name), "frames-%s", m[j].name);
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
        plot_subtitle(sub, sizeof(sub), &sel, "master %s", m[j].name);
        dat_close(pl, &d, name, "frames.gp",
                  "late frames and line underruns vs page-size policy", sub);
        made++;
    }
    if (!made && !pl->failed)
        plot_skip(pl, "frames", "no master counted frames in a timed run (late frames and "
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
        if (plot_split_name(stat_name(r, s), seg, len, MAX_SEGMENTS) != 4 ||
            !plot_seg_is(seg[0], len[0], "buffer"))
            continue;
        for (unsigned z = 0; z < NPAGE_SIZES; z++) {
            char want[16];
            plot_fmt(want, sizeof(want), "pages_%s", page_sizes[z]);
            if (plot_seg_is(seg[3], len[3], want)) {
                cols[n] = (int)s;
                size_of[n++] = z;
            }
        }
    }
    return n;
}

void plot_page_mix(struct plotter *pl)
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
        plot_oom(pl);
        goto out;
    }
    if (!pl->varies[ROLE_FRAG]) {
        plot_skip_unvaried(pl, "page-mix", ROLE_FRAG);
        goto out;
    }
    if (!(ncols = find_page_columns(r, cols, size_of))) {
        plot_skip(pl, "page-mix", "results.csv has no buffer.*.*.pages_* columns");
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
        plot_oom(pl);
        goto out;
    }
    plot_fmt(name, sizeof(name), "page-mix-%s", policy ? plot_fmt_word(policy, word, sizeof(word)) :
         "all");
    if (!dat_open(pl, &d, name, 1 + 2 * NPAGE_SIZES, &sel,
                  "share (%%) of the pages mapping the buffers, by size: the sum of "
                  "buffer.*.*.pages_SIZE over the sum of all four\n"
                  "bytes_SIZE: the share (%%) of the bytes they map: each count times its "
                  "page size (4096, 65536, 1048576, 16777216)\n"
                  "rows: RAM fragmentation (param:%s)%s%s", param_key(r, frag),
                  policy ? "; page-size policy " : "", policy ? policy : ""))
        goto out;
    dat_word(&d, "fragmentation");
    for (unsigned z = 0; z < NPAGE_SIZES; z++)
        dat_word(&d, page_sizes[z]);
    for (unsigned z = 0; z < NPAGE_SIZES; z++) {
        char col[NAME_MAX_LEN];
        plot_fmt(col, sizeof(col), "bytes_%s", page_sizes[z]);
        dat_word(&d, col);
    }
    for (unsigned x = 0; x < xs.n; x++) {
        const struct row *w = find_row(pl, &sel, frag, xs.v[x], -1, NULL);
        double count[NPAGE_SIZES] = { 0 }, total = 0, bytes = 0;
        for (unsigned k = 0; k < ncols; k++) {
            double v = stat_at(w, cols[k]);
            if (!isnan(v)) {
                count[size_of[k]] += v;
                total += v;
                bytes += v * page_bytes[size_of[k]];
            }
        }
        dat_word(&d, xs.v[x]);
        for (unsigned z = 0; z < NPAGE_SIZES; z++)
            dat_num(&d, ratio(count[z], total) * 100.0);
        for (unsigned z = 0; z < NPAGE_SIZES; z++)
            dat_num(&d, ratio(count[z] * page_bytes[z], bytes) * 100.0);
    }
    if (policy)
        plot_subtitle(sub, sizeof(sub), &sel, "all buffers, policy %s", policy);
    else
        plot_subtitle(sub, sizeof(sub), &sel, "all buffers");
    dat_close(pl, &d, name, "page-mix.gp", "page-size mix vs RAM fragmentation", sub);
out:
    free(sel.use);
    free(xs.v);
    free(cols);
    free(size_of);
}

