/*
 * tlb_curve.c - `iommusim tlb` with a list of TLB sizes or page sizes: the whole
 * miss-ratio curve in one pass over the trace.
 *
 * lru at a fixed number of sets (--sets, default 1: fully associative) has the
 * stack property, so one pass of models/mrc.c per page size gives the counts of
 * every listed size at once, with the 3C split: compulsory misses are the same at
 * every size, a conflict miss is one the fully associative lru TLB of the same size
 * would have hit, the rest are capacity misses. The other policies (plru,
 * round-robin, random), and lru at a fixed number of ways (--ways, where the sets
 * change with the size), have no such property: every (size, page size) gets its
 * own TLB model, all fed in the same pass, with one models/mrc.c stack per page size
 * as the fully associative lru TLB of every size that classifies their misses. The
 * counts equal those of a separate run per size (tests/test_cli_tools.c and
 * tests/test_mrc.c check it).
 *
 * A reference to the page of the reference just before it (at a page size) changes
 * nothing in any policy, as cmd_tlb.c explains: the stacks count it as distance 0,
 * the models skip it. Output: a table, --json, or --csv (the columns of
 * `iommusim plot --mrc` and more); docs/cli.md shows them.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/outfile.h"
#include "sim/cli/tlb_study.h"

#define NO_VPN  UINT64_MAX              /* no page number (they are below 2^52) */
#define MODEL_ENTRIES_MAX (1ull << 24)  /* entries of all the models of one study */
#define LOOKAHEAD       8               /* records: the distance of the stacks' prefetches */

/* One page size of the study. */
struct psize {
    enum page_size size;
    unsigned shift;
    uint64_t last;                      /* models only: page number of the last reference */
    struct mrc *m;                      /* the stacks: the curve, or the models' 3C reference */
    struct tlb **t;                     /* models only: one per size */
    struct mrc_counts *c;               /* models only: their counts */
};

struct study {
    const struct tlb_args *a;
    bool models;                        /* one TLB model per size (no stack property) */
    unsigned sets;                      /* of the stacks */
    struct psize p[PAGE_SIZES];
    uint64_t refs[2];
};

static unsigned ways_of(const struct study *s, unsigned entries)
{
    const struct tlb_args *a = s->a;

    if (a->ways_given)
        return (unsigned)a->ways;
    return entries / (a->sets_given ? (unsigned)a->sets : 1u);
}

static void study_free(struct study *s)
{
    for (unsigned i = 0; i < s->a->npage_sizes; i++) {
        struct psize *p = &s->p[i];
        mrc_free(p->m);
        if (p->t)
            for (unsigned k = 0; k < s->a->nentries; k++)
                tlb_free(p->t[k]);
        free(p->t);
        free(p->c);
    }
}

/* Builds the stacks and models; CLI_OK, CLI_USAGE or CLI_FAILED with a message. */
static int study_init(struct study *s, const struct tlb_args *a)
{
    const unsigned max = a->entries[a->nentries - 1];
    char err[256];

    memset(s, 0, sizeof(*s));
    s->a = a;
    s->models = a->replacement != TLB_LRU || a->ways_given;
    s->sets = s->models || !a->sets_given ? 1u : (unsigned)a->sets;
    /* Every size must be a TLB the model accepts, as a single-size run would check. */
    for (unsigned k = 0; k < a->nentries; k++) {
        struct tlb_config cfg = { .entries = a->entries[k], .ways = ways_of(s, a->entries[k]),
                                  .replacement = a->replacement, .seed = a->seed };
        if (a->sets_given && a->entries[k] % a->sets) {
            cli_error(TLB_CMD, "--entries %u --sets %" PRIu64 ": %u entries do not divide "
                      "into %" PRIu64 " sets", a->entries[k], a->sets, a->entries[k], a->sets);
            return CLI_USAGE;
        }
        if (a->ways_given && a->ways > a->entries[k]) {
            cli_error(TLB_CMD, "--entries %u --ways %" PRIu64 ": more ways than entries",
                      a->entries[k], a->ways);
            return CLI_USAGE;
        }
        if (tlb_config_check(&cfg, err, sizeof(err))) {
            cli_error(TLB_CMD, "--entries %u%s: %s", a->entries[k],
                      a->ways_given ? " with --ways" : a->sets_given ? " with --sets" : "", err);
            return CLI_USAGE;
        }
    }
    if (s->models) {
        uint64_t all = 0;
        for (unsigned k = 0; k < a->nentries; k++)
            all += a->entries[k];
        all *= a->npage_sizes;
        if (all > MODEL_ENTRIES_MAX) {
            cli_error(TLB_CMD, "--entries: one TLB model per size and page size would hold "
                      "%" PRIu64 " entries in all, more than %llu: give fewer sizes (or lru "
                      "at fixed sets, one pass for any number)", all, MODEL_ENTRIES_MAX);
            return CLI_USAGE;
        }
    }
    for (unsigned i = 0; i < a->npage_sizes; i++) {
        struct psize *p = &s->p[i];
        struct mrc_config mc = { .entries = max, .sets = s->sets };

        p->size = a->page_size[i];
        p->shift = page_shift(p->size);
        p->last = NO_VPN;
        if (!(p->m = mrc_new(&mc)))
            goto oom;
        if (!s->models)
            continue;
        p->t = calloc(a->nentries, sizeof(*p->t));
        p->c = calloc(a->nentries, sizeof(*p->c));
        if (!p->t || !p->c)
            goto oom;
        for (unsigned k = 0; k < a->nentries; k++) {
            struct tlb_config cfg = { .entries = a->entries[k],
                                      .ways = ways_of(s, a->entries[k]),
                                      .replacement = a->replacement, .seed = a->seed };
            if (!(p->t[k] = tlb_new(&cfg)))
                goto oom;
        }
    }
    return CLI_OK;
oom:
    cli_error(TLB_CMD, "out of memory for the TLBs of the study (up to %u entries)", max);
    return CLI_FAILED;
}

/* A reference that is not a repeat, through every size's model. */
static int models_ref(const struct study *s, struct psize *p, uint64_t addr, unsigned op,
                      unsigned df)
{
    struct tlb_entry e = { .size = p->size };

    e.va = addr & ~((uint64_t)page_bytes(p->size) - 1);
    e.pa = (uint32_t)e.va;              /* the study never translates: only va matters */
    for (unsigned k = 0; k < s->a->nentries; k++) {
        struct mrc_counts *c = &p->c[k];

        if (tlb_lookup(p->t[k], 0, 0, addr))
            continue;
        if (tlb_fill(p->t[k], &e))
            return -1;
        c->misses_by_op[op]++;
        if (df == MRC_COLD)
            c->compulsory++;
        else if (df < s->a->entries[k])
            c->conflict++;
        else
            c->capacity++;
    }
    return 0;
}

static int replay(struct study *s, struct trace_reader *r)
{
    const struct tlb_args *a = s->a;
    uint64_t *addrs = malloc(TLB_BATCH * sizeof(*addrs));
    uint8_t *ops = malloc(TLB_BATCH * sizeof(*ops));
    uint64_t done = 0;
    unsigned batches = 0, df;
    long n;
    int rc = CLI_OK;

    if (!addrs || !ops) {
        free(addrs);
        free(ops);
        cli_error(TLB_CMD, "out of memory");
        return CLI_FAILED;
    }
    while ((n = trace_next_refs(r, addrs, ops, TLB_BATCH)) > 0) {
        for (long i = 0; i < n; i++) {
            const unsigned op = ops[i];
            const uint64_t addr = addrs[i];

            if (op > TRACE_REF_WRITE) {
                if (__builtin_expect(op == TRACE_REF_BUFFER, 0)) {
                    cli_error(TLB_CMD, "%s: record %" PRIu64 ": an access to a buffer: the "
                              "tlb command needs raw IOVAs", a->trace, done + (uint64_t)i + 1);
                    rc = CLI_FAILED;
                    goto out;
                }
                continue;               /* a marker */
            }
            s->refs[op]++;
            if (i + LOOKAHEAD < n)
                for (unsigned z = 0; z < a->npage_sizes; z++)
                    mrc_prefetch(s->p[z].m, addrs[i + LOOKAHEAD] >> s->p[z].shift);
            for (unsigned z = 0; z < a->npage_sizes; z++) {
                struct psize *p = &s->p[z];
                uint64_t vpn = addr >> p->shift;

                if (s->models && vpn != p->last) {
                    p->last = vpn;
                    if (mrc_access(p->m, vpn, op, &df))
                        goto oom;
                    if (models_ref(s, p, addr, op, df)) {
                        cli_error(TLB_CMD, "internal error: a TLB fill failed");
                        rc = CLI_FAILED;
                        goto out;
                    }
                } else if (mrc_access(p->m, vpn, op, NULL)) {
                    goto oom;
                }
            }
        }
        done += (uint64_t)n;
        if (++batches % TLB_PROGRESS_EVERY == 0)
            cli_progress("tlb: %" PRIu64 " records", done);
    }
    rc = n < 0 ? -1 : CLI_OK;
    goto out;
oom:
    cli_error(TLB_CMD, "out of memory for the set of pages seen");
    rc = CLI_FAILED;
out:
    free(addrs);
    free(ops);
    return rc;
}

/* The rows, page size by page size, each in ascending entries. */
static struct tlb_row *collect(struct study *s, unsigned *nrows)
{
    const struct tlb_args *a = s->a;
    struct tlb_row *rows = calloc((size_t)a->npage_sizes * a->nentries, sizeof(*rows));
    unsigned n = 0;

    if (!rows)
        return NULL;
    for (unsigned z = 0; z < a->npage_sizes; z++)
        for (unsigned k = 0; k < a->nentries; k++) {
            struct tlb_row *w = &rows[n++];
            struct mrc_counts *c = &w->c;

            w->page_size = s->p[z].size;
            w->entries = a->entries[k];
            w->ways = ways_of(s, a->entries[k]);
            if (!s->models) {
                mrc_counts(s->p[z].m, a->entries[k], c);
                continue;
            }
            *c = s->p[z].c[k];
            c->refs_by_op[0] = s->refs[0];
            c->refs_by_op[1] = s->refs[1];
            c->references = s->refs[0] + s->refs[1];
            c->misses = c->misses_by_op[0] + c->misses_by_op[1];
            c->hits = c->references - c->misses;
        }
    *nrows = n;
    return rows;
}

static double rate(const struct mrc_counts *c)
{
    /* An empty trace has no miss rate; 0 keeps the output a number. */
    return c->references ? (double)c->misses / (double)c->references : 0.0;
}

static void organisation(const struct study *s, char *buf, size_t len)
{
    const struct tlb_args *a = s->a;

    if (a->ways_given)
        snprintf(buf, len, "%" PRIu64 " way%s per set", a->ways, a->ways == 1 ? "" : "s");
    else if (a->sets_given && a->sets > 1)
        snprintf(buf, len, "%" PRIu64 " sets", a->sets);
    else
        snprintf(buf, len, "fully associative");
}

static void report_text(const struct study *s, const struct tlb_row *rows, unsigned n)
{
    const struct tlb_args *a = s->a;
    char org[64];

    organisation(s, org, sizeof(org));
    printf("trace %s (%s), %s, %s", a->trace, trace_format_name(a->format),
           tlb_replacement_name(a->replacement), org);
    if (a->replacement == TLB_RANDOM)
        printf(" (seed %" PRIu64 ")", a->seed);
    printf(", %u size%s x %u page size%s, %s\n", a->nentries, a->nentries == 1 ? "" : "s",
           a->npage_sizes, a->npage_sizes == 1 ? "" : "s",
           s->models ? "one simulation per size" : "one pass (stack distances)");
    printf("references %" PRIu64 " (reads %" PRIu64 ", writes %" PRIu64 ")\n",
           s->refs[0] + s->refs[1], s->refs[0], s->refs[1]);
    printf("%-9s %8s %8s %12s %9s %12s %12s %12s %12s %12s\n", "page_size", "entries", "ways",
           "misses", "miss_rate", "read_misses", "write_misses", "compulsory", "capacity",
           "conflict");
    for (unsigned k = 0; k < n; k++) {
        const struct mrc_counts *c = &rows[k].c;
        printf("%-9s %8u %8u %12" PRIu64 " %9.6f %12" PRIu64 " %12" PRIu64 " %12" PRIu64
               " %12" PRIu64 " %12" PRIu64 "\n", tlb_page_size_names[rows[k].page_size],
               rows[k].entries, rows[k].ways, c->misses, rate(c), c->misses_by_op[0],
               c->misses_by_op[1], c->compulsory, c->capacity, c->conflict);
    }
}

static void report_json(const struct study *s, const struct tlb_row *rows, unsigned n)
{
    const struct tlb_args *a = s->a;

    printf("{\"trace\": ");
    tlb_json_string(stdout, a->trace);
    printf(", \"replacement\": \"%s\", ", tlb_replacement_name(a->replacement));
    if (a->replacement == TLB_RANDOM)
        printf("\"seed\": %" PRIu64 ", ", a->seed);
    if (a->ways_given)
        printf("\"ways\": %" PRIu64 ", ", a->ways);
    else
        printf("\"sets\": %" PRIu64 ", ", a->sets_given ? a->sets : 1);
    printf("\"method\": \"%s\", \"references\": %" PRIu64 ", \"reads\": %" PRIu64
           ", \"writes\": %" PRIu64 ", \"curve\": [", s->models ? "simulation" : "stack",
           s->refs[0] + s->refs[1], s->refs[0], s->refs[1]);
    for (unsigned k = 0; k < n; k++) {
        const struct mrc_counts *c = &rows[k].c;
        printf("%s{\"page_size\": \"%s\", \"entries\": %u, \"ways\": %u, \"hits\": %" PRIu64
               ", \"misses\": %" PRIu64 ", \"miss_rate\": %.6f, \"read_misses\": %" PRIu64
               ", \"write_misses\": %" PRIu64 ", \"compulsory\": %" PRIu64 ", \"capacity\": %"
               PRIu64 ", \"conflict\": %" PRIu64 "}", k ? ", " : "",
               tlb_page_size_names[rows[k].page_size], rows[k].entries, rows[k].ways, c->hits,
               c->misses, rate(c), c->misses_by_op[0], c->misses_by_op[1], c->compulsory,
               c->capacity, c->conflict);
    }
    printf("]}\n");
}

static int write_csv_rows(FILE *f, const struct tlb_args *a, const struct tlb_row *rows,
                          unsigned n)
{
    fprintf(f, "%s\n", TLB_CSV_HEADER);
    for (unsigned k = 0; k < n; k++) {
        const struct mrc_counts *c = &rows[k].c;
        fprintf(f, "%u,%s,%u,%u,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%" PRIu64 ",%"
                PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
                rows[k].entries, tlb_page_size_names[rows[k].page_size], rows[k].ways,
                rows[k].entries / rows[k].ways, tlb_replacement_name(a->replacement),
                c->references, c->hits, c->misses, rate(c), c->refs_by_op[0],
                c->misses_by_op[0], c->refs_by_op[1], c->misses_by_op[1], c->compulsory,
                c->capacity, c->conflict);
    }
    return ferror(f) ? -1 : 0;
}

int tlb_write_csv(const struct tlb_args *a, const struct tlb_row *rows, unsigned n,
                  const char *path)
{
    struct cli_outfile o;
    const char *open_path;
    char err[512];
    FILE *f;
    int bad;

    if (!strcmp(path, "-")) {
        if (write_csv_rows(stdout, a, rows, n) || fflush(stdout)) {
            cli_error(TLB_CMD, "cannot write the CSV to standard output");
            return CLI_FAILED;
        }
        return CLI_OK;
    }
    if (cli_outfile_begin(&o, path, &open_path, err, sizeof(err))) {
        cli_error(TLB_CMD, "--csv: %s", err);
        return CLI_FAILED;
    }
    if (!(f = fopen(open_path, "w"))) {
        cli_error(TLB_CMD, "--csv %s: cannot open: %s", path, strerror(errno));
        cli_outfile_abort(&o);
        return CLI_FAILED;
    }
    bad = write_csv_rows(f, a, rows, n);
    bad |= fclose(f);
    if (bad) {
        cli_error(TLB_CMD, "--csv %s: cannot write: %s", path, strerror(errno ? errno : EIO));
        cli_outfile_abort(&o);
        return CLI_FAILED;
    }
    if (cli_outfile_commit(&o, err, sizeof(err))) {
        cli_error(TLB_CMD, "--csv: %s", err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

int tlb_curve(const struct tlb_args *a, struct trace_reader *r)
{
    struct tlb_row *rows = NULL;
    struct study s;
    unsigned n = 0;
    int rc;

    if ((rc = study_init(&s, a)))
        goto out;
    if (s.models)
        fprintf(stderr, "iommusim tlb: note: %s: one TLB model per size and page size "
                "(%u), fed in the same pass\n", a->replacement != TLB_LRU ?
                "this policy has no stack property" : "a fixed --ways gives each size its "
                "own sets", a->nentries * a->npage_sizes);
    cli_progress_begin();
    rc = replay(&s, r);
    cli_progress_end();
    if (rc)
        goto out;
    if (!(rows = collect(&s, &n))) {
        cli_error(TLB_CMD, "out of memory");
        rc = CLI_FAILED;
        goto out;
    }
    if (!a->csv || strcmp(a->csv, "-")) {
        if (a->json)
            report_json(&s, rows, n);
        else
            report_text(&s, rows, n);
        if (fflush(stdout) || ferror(stdout)) {
            cli_error(TLB_CMD, "cannot write the report to standard output");
            rc = CLI_FAILED;
            goto out;
        }
    }
    if (a->csv)
        rc = tlb_write_csv(a, rows, n, a->csv);
out:
    free(rows);
    study_free(&s);
    return rc;
}
