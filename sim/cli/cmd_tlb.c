/*
 * cmd_tlb.c - `iommusim tlb`: a trace-driven TLB study on a raw address trace.
 *
 * Replays the accesses of a trace (din, text or bin) through the TLB model the
 * SMMU uses (models/tlb.c), with every address mapped at one page size: identity
 * (VA = PA), VMID 0, global entries. Addresses are 64-bit, as Dinero IV's are: the
 * TLB's tags hold a 64-bit VA's page number at every page size, so a trace above
 * 4 GiB counts as the same trace moved below it. Each access record is one reference at its
 * address: a lookup, and on a miss a fill of the page containing the address, as
 * a table walk would leave it. Markers (F, L) are not references. The study is
 * for imported address traces, so a trace that names buffers is refused: those
 * only mean something under a scenario's mappings (`iommusim run`).
 *
 * What a Dinero IV user expects besides hits and misses: references and misses
 * split by read and write, and every miss classified by its cause (the 3C model):
 *   compulsory  the first reference to its page (no TLB of any size would hit);
 *   capacity    a fully associative lru TLB of the same number of entries, fed the
 *               same references, misses it too (the TLB is too small);
 *   conflict    the rest: that fully associative TLB would have hit (the set
 *               mapping or the replacement policy lost the page).
 * The fully associative lru TLB is a second instance of the same model, fed every
 * reference; when the studied TLB is itself fully associative lru it would be an
 * exact copy, so it is left out and no miss is a conflict. Compulsory misses need
 * the set of pages seen, a hash set that grows with the distinct pages (never with
 * the references), looked at only on misses: a page not seen before is never in
 * the TLB.
 *
 * Speed matters (traces of 10^7 references and more): records are read in
 * batches, a reference to the page just referenced is counted without a lookup
 * (exact, see replay()), and otherwise the work is one tlb_lookup (two with the
 * shadow TLB), plus a tlb_fill and a page-set probe on a miss. docs/cli.md
 * describes the options and the output.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/tlb.h"
#include "sim/cli/cli.h"
#include "sim/cli/opts.h"
#include "sim/config/config.h"
#include "sim/core/stats.h"
#include "sim/trace/trace.h"

#define CMD             "tlb"
#define TLB_BATCH       4096u           /* records per trace_next_batch */
#define PROGRESS_EVERY  64u             /* batches between progress updates */
#define DEFAULT_SEED    1u
#define NO_PAGE         1u              /* not page-aligned: equal to no page address */

enum {
    OPT_TRACE = 256,
    OPT_FORMAT,
    OPT_PAGE_SIZE,
    OPT_ENTRIES,
    OPT_WAYS,
    OPT_REPLACEMENT,
    OPT_SEED,
    OPT_JSON,
    OPT_HELP,
};

static const struct option tlb_options[] = {
    { "trace",       required_argument, NULL, OPT_TRACE },
    { "format",      required_argument, NULL, OPT_FORMAT },
    { "page-size",   required_argument, NULL, OPT_PAGE_SIZE },
    { "entries",     required_argument, NULL, OPT_ENTRIES },
    { "ways",        required_argument, NULL, OPT_WAYS },
    { "replacement", required_argument, NULL, OPT_REPLACEMENT },
    { "seed",        required_argument, NULL, OPT_SEED },
    { "json",        no_argument,       NULL, OPT_JSON },
    { "help",        no_argument,       NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

static const char *const page_size_names[PAGE_SIZES] = { "4k", "64k", "1m", "16m" };

struct tlb_args {
    const char *trace;
    enum trace_format format;
    bool format_given;
    enum page_size page_size;
    bool page_size_given;
    uint64_t entries, ways;
    bool entries_given, ways_given;
    enum tlb_replacement replacement;
    uint64_t seed;
    bool json;
};

/* The study's result: every reference is a hit or a miss, and every miss has a cause. */
struct counts {
    uint64_t references, hits, misses;
    uint64_t refs_by_op[2], misses_by_op[2];    /* [TRACE_OP_READ], [TRACE_OP_WRITE] */
    uint64_t compulsory, capacity, conflict;
};

/* ------------------------------------------------------------------ pages seen */

/*
 * The page numbers referenced so far, as a sparse bitmap: pages in runs of 512
 * (one 64-byte bitmap each, the size of a cache line), the runs in an open-addressed
 * hash (linear probing, at most half full) keyed by run number + 1 (0: empty; a page
 * number is below 2^52, so + 1 never wraps). Traces touch pages in clusters, so a
 * probe usually finds the run of the previous miss (remembered) or a run whose
 * bitmap is already in the cache; memory is 72 bytes per run touched.
 */
#define RUN_SHIFT       9
#define RUN_WORDS       ((1u << RUN_SHIFT) / 64)
#define PAGE_SET_MIN    64u
#define PAGE_HASH_MULT  0x9E3779B97F4A7C15ull

struct page_run {
    uint64_t key;
    uint64_t bits[RUN_WORDS];
};

struct page_set {
    struct page_run *run;
    uint64_t mask;
    uint64_t count;             /* runs */
    struct page_run *last;      /* the run of the last page added */
};

static int page_set_init(struct page_set *ps)
{
    *ps = (struct page_set){ .run = calloc(PAGE_SET_MIN, sizeof(*ps->run)),
                             .mask = PAGE_SET_MIN - 1 };
    return ps->run ? 0 : -ENOMEM;
}

static struct page_run *run_slot(struct page_run *run, uint64_t mask, uint64_t key)
{
    uint64_t i = ((key * PAGE_HASH_MULT) >> 20) & mask;

    while (run[i].key && run[i].key != key)
        i = (i + 1) & mask;
    return &run[i];
}

static int page_set_grow(struct page_set *ps)
{
    uint64_t n = (ps->mask + 1) * 2;
    struct page_run *run = calloc(n, sizeof(*run));

    if (!run)
        return -ENOMEM;
    for (uint64_t k = 0; k <= ps->mask; k++)
        if (ps->run[k].key)
            *run_slot(run, n - 1, ps->run[k].key) = ps->run[k];
    free(ps->run);
    ps->run = run;
    ps->mask = n - 1;
    ps->last = NULL;
    return 0;
}

/* 1 when page was not in the set (it is now), 0 when it was, -ENOMEM. */
static int page_set_add(struct page_set *ps, uint64_t page)
{
    uint64_t key = (page >> RUN_SHIFT) + 1, bit = page & ((1u << RUN_SHIFT) - 1), *w;
    struct page_run *r = ps->last;

    if (!r || r->key != key) {
        r = run_slot(ps->run, ps->mask, key);
        if (!r->key) {
            if ((ps->count + 1) * 2 > ps->mask + 1) {
                if (page_set_grow(ps))
                    return -ENOMEM;
                r = run_slot(ps->run, ps->mask, key);
            }
            r->key = key;
            ps->count++;
        }
        ps->last = r;
    }
    w = &r->bits[bit / 64];
    if (*w & (1ull << (bit % 64)))
        return 0;
    *w |= 1ull << (bit % 64);
    return 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim tlb --trace FILE --page-size SIZE --entries N [OPTIONS]\n"
            "\n"
            "Replays the accesses of a raw address trace (64-bit addresses; plain or\n"
            "gzip/xz/zstd-compressed) through the SMMU's TLB model, every address\n"
            "identity-mapped at one page size, and counts hits and misses, by read and\n"
            "write and by cause (compulsory, capacity, conflict).\n"
            "\n"
            "  --trace FILE         the trace ('-' for standard input); raw IOVAs only\n"
            "  --format FMT         din, text or bin (default: from the file name:\n"
            "                       .din din, .bin bin, otherwise text)\n"
            "  --page-size SIZE     4k, 64k, 1m or 16m\n"
            "  --entries N          TLB entries, 1 .. %u\n"
            "  --ways W             associativity, 1 .. N, dividing N into a power-of-two\n"
            "                       number of sets (default: N, fully associative)\n"
            "  --replacement POL    lru, plru, round-robin or random (default: lru)\n"
            "  --seed N             seed of the random policy (default: %u)\n"
            "  --json               one JSON object instead of the text report\n"
            "  --help               this text\n",
            TLB_MAX_ENTRIES, DEFAULT_SEED);
}

/* ------------------------------------------------------------------ arguments */

static int parse_page_size(const char *s, enum page_size *out)
{
    for (unsigned i = 0; i < PAGE_SIZES; i++)
        if (!strcmp(s, page_size_names[i])) {
            *out = (enum page_size)i;
            return 0;
        }
    return -EINVAL;
}

static int parse_count(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
    if (config_parse_u64(s, out)) {
        cli_error(CMD, "%s '%s' is not an integer: must be 1 .. %" PRIu64, opt, s, max);
        return CLI_USAGE;
    }
    if (*out < 1 || *out > max) {
        cli_error(CMD, "%s %s is out of range: must be 1 .. %" PRIu64, opt, s, max);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* getopt_long's own complaints, in this program's words. */
static int option_error(int c, int argc, char **argv)
{
    const char *arg = optind - 1 < argc ? argv[optind - 1] : "";

    if (c == ':')
        cli_error(CMD, "option '%s' needs a value (see iommusim tlb --help)", arg);
    else if (optopt == OPT_JSON || optopt == OPT_HELP)
        cli_error(CMD, "option '%s' takes no value", arg);
    else
        cli_error(CMD, "unknown option '%s' (options: --trace, --format, --page-size, "
                       "--entries, --ways, --replacement, --seed, --json, --help)", arg);
    return CLI_USAGE;
}

/* CLI_OK, CLI_USAGE, or -1 after --help (the caller exits 0). */
static int parse_args(int argc, char **argv, struct tlb_args *a)
{
    struct cli_once once = { 0 };
    int c, rc;

    *a = (struct tlb_args){ .replacement = TLB_LRU, .seed = DEFAULT_SEED };
    opterr = 0;
    optind = 0;                         /* full reinitialisation (GNU) */
    while ((c = getopt_long(argc, argv, ":", tlb_options, NULL)) != -1) {
        if ((rc = cli_once_getopt(CMD, &once, tlb_options, c, optarg)))
            return rc;
        switch (c) {
        case OPT_TRACE:
            a->trace = optarg;
            break;
        case OPT_FORMAT:
            if (trace_format_parse(optarg, &a->format)) {
                cli_error(CMD, "--format '%s' is not a trace format: must be din, text or bin",
                          optarg);
                return CLI_USAGE;
            }
            a->format_given = true;
            break;
        case OPT_PAGE_SIZE:
            if (parse_page_size(optarg, &a->page_size)) {
                cli_error(CMD, "--page-size '%s' is not a page size: must be 4k, 64k, 1m or 16m",
                          optarg);
                return CLI_USAGE;
            }
            a->page_size_given = true;
            break;
        case OPT_ENTRIES:
            if ((rc = parse_count("--entries", optarg, TLB_MAX_ENTRIES, &a->entries)))
                return rc;
            a->entries_given = true;
            break;
        case OPT_WAYS:
            if ((rc = parse_count("--ways", optarg, TLB_MAX_ENTRIES, &a->ways)))
                return rc;
            a->ways_given = true;
            break;
        case OPT_REPLACEMENT:
            if (tlb_replacement_parse(optarg, &a->replacement)) {
                cli_error(CMD, "--replacement '%s' is not a policy: must be lru, plru, "
                               "round-robin or random", optarg);
                return CLI_USAGE;
            }
            break;
        case OPT_SEED:
            if (config_parse_u64(optarg, &a->seed)) {
                cli_error(CMD, "--seed '%s' is not an integer: must be 0 .. 2^64-1 "
                               "(decimal or 0x-hex)", optarg);
                return CLI_USAGE;
            }
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return -1;
        default:
            return option_error(c, argc, argv);
        }
    }
    if (optind < argc) {
        cli_error(CMD, "unexpected argument '%s': the trace is given with --trace FILE",
                  argv[optind]);
        return CLI_USAGE;
    }
    if (!a->trace || !a->page_size_given || !a->entries_given) {
        cli_error(CMD, "missing %s (usage: iommusim tlb --trace FILE --page-size 4k|64k|1m|16m "
                       "--entries N [--ways W] ...)",
                  !a->trace ? "--trace FILE" : !a->page_size_given ? "--page-size SIZE"
                                                                    : "--entries N");
        return CLI_USAGE;
    }
    if (!a->ways_given)
        a->ways = a->entries;
    if (!a->format_given)
        a->format = trace_format_from_path(a->trace);
    return CLI_OK;
}

static int check_config(const struct tlb_args *a, struct tlb_config *cfg)
{
    char err[256];

    *cfg = (struct tlb_config){
        .entries = (unsigned)a->entries, .ways = (unsigned)a->ways,
        .replacement = a->replacement, .seed = a->seed,
    };
    if (tlb_config_check(cfg, err, sizeof(err))) {
        if (a->ways_given)
            cli_error(CMD, "--entries %u --ways %u: %s", cfg->entries, cfg->ways, err);
        else
            cli_error(CMD, "--entries %u: %s", cfg->entries, err);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------------ replay */

/* Buffer names have no address here: refuse them, noting why the reader stopped. */
static int refuse_names(void *arg, const char *name)
{
    (void)name;
    *(bool *)arg = true;
    return -1;
}

static int replay_error(const struct tlb_args *a, uint64_t number)
{
    cli_error(CMD, "%s: record %" PRIu64 ": an access to a buffer: the tlb command "
                   "needs raw IOVAs", a->trace, number);
    return CLI_FAILED;
}

/*
 * The loop every reference goes through. A miss fills the page of the configured
 * size that holds the address, identity-mapped; the entry is global, so the
 * lookup's ASID does not matter.
 *
 * A reference to the same page as the reference before it is counted here
 * without a lookup. That is exact, not an approximation: the previous reference
 * left the page's entry in the TLB (it hit, or it missed and was filled) and
 * made its way the most recently used, and nothing has happened since, so the
 * lookup would hit and change no replacement state (touching the most recent
 * way again changes neither the lru order nor the plru bits; round-robin and
 * random keep no state on hits). Streams that walk a page in small steps, the
 * usual case, then cost one compare per reference.
 */
static int replay(const struct tlb_args *a, struct trace_reader *r, struct tlb *t,
                  struct tlb *fa, struct counts *c)
{
    const uint64_t page_mask = ~((uint64_t)page_bytes(a->page_size) - 1);
    const unsigned shift = page_shift(a->page_size);
    struct tlb_entry e = { .size = a->page_size };
    struct trace_rec *recs = malloc(TLB_BATCH * sizeof(*recs));
    uint64_t last_page = NO_PAGE, page;
    uint64_t done = 0, repeats = 0;
    struct page_set seen;
    unsigned batches = 0;
    bool fa_hit = false;
    long n;
    int rc = CLI_OK, fresh;

    *c = (struct counts){ 0 };
    if (!recs || page_set_init(&seen)) {
        free(recs);
        cli_error(CMD, "out of memory");
        return CLI_FAILED;
    }
    while ((n = trace_next_batch(r, recs, TLB_BATCH)) > 0) {
        for (long i = 0; i < n; i++) {
            const struct trace_rec *rec = &recs[i];

            if (rec->op > TRACE_OP_WRITE)
                continue;
            if (__builtin_expect(rec->buffer != TRACE_RAW, 0)) {
                rc = replay_error(a, done + (uint64_t)i + 1);
                goto out;
            }
            c->refs_by_op[rec->op]++;
            page = rec->addr & page_mask;
            if (page == last_page) {
                repeats++;
                continue;
            }
            last_page = page;
            e.va = page;
            e.pa = (uint32_t)page;      /* the study never translates: only va matters */
            if (fa && !(fa_hit = tlb_lookup(fa, 0, 0, rec->addr) != NULL) && tlb_fill(fa, &e))
                goto fill_failed;
            if (!tlb_lookup(t, 0, 0, rec->addr)) {
                if (tlb_fill(t, &e))
                    goto fill_failed;
                c->misses_by_op[rec->op]++;
                if ((fresh = page_set_add(&seen, page >> shift)) < 0) {
                    cli_error(CMD, "out of memory for the set of pages seen");
                    rc = CLI_FAILED;
                    goto out;
                }
                if (fresh)
                    c->compulsory++;
                else if (fa && fa_hit)
                    c->conflict++;
                else
                    c->capacity++;
            }
        }
        done += (uint64_t)n;
        if (++batches % PROGRESS_EVERY == 0)
            cli_progress("tlb: %" PRIu64 " records", done);
    }
    if (n < 0)
        rc = -1;
    goto out;
fill_failed:
    cli_error(CMD, "internal error: a TLB fill failed");
    rc = CLI_FAILED;
out:
    c->references = tlb_stats(t)->lookups + repeats;
    c->hits = tlb_stats(t)->hits + repeats;
    c->misses = tlb_stats(t)->misses;
    free(seen.run);
    free(recs);
    return rc;
}

/* ------------------------------------------------------------------ report */

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void report(const struct tlb_args *a, const struct tlb_config *cfg,
                   const struct counts *c)
{
    /* An empty trace has no miss rate; 0 keeps the output a number. */
    double rate = c->references ? (double)c->misses / (double)c->references : 0.0;
    const uint64_t *refs = c->refs_by_op, *miss = c->misses_by_op;

    if (a->json) {
        printf("{\"trace\": ");
        json_string(stdout, a->trace);
        printf(", \"page_size\": \"%s\", \"entries\": %u, \"ways\": %u, \"replacement\": \"%s\", "
               "\"references\": %" PRIu64 ", \"hits\": %" PRIu64 ", \"misses\": %" PRIu64
               ", \"miss_rate\": %.*f, \"reads\": %" PRIu64 ", \"read_misses\": %" PRIu64
               ", \"writes\": %" PRIu64 ", \"write_misses\": %" PRIu64 ", \"compulsory\": %"
               PRIu64 ", \"capacity\": %" PRIu64 ", \"conflict\": %" PRIu64 "}\n",
               page_size_names[a->page_size], cfg->entries, cfg->ways,
               tlb_replacement_name(cfg->replacement), c->references, c->hits, c->misses,
               stats_f64_decimals(rate), rate,
               refs[TRACE_OP_READ], miss[TRACE_OP_READ], refs[TRACE_OP_WRITE],
               miss[TRACE_OP_WRITE], c->compulsory, c->capacity, c->conflict);
        return;
    }
    printf("trace %s (%s), %s pages, %u entries, %u %s (%u %s), %s",
           a->trace, trace_format_name(a->format), page_size_names[a->page_size],
           cfg->entries, cfg->ways, cfg->ways == 1 ? "way" : "ways", cfg->entries / cfg->ways,
           cfg->entries / cfg->ways == 1 ? "set" : "sets",
           tlb_replacement_name(cfg->replacement));
    if (cfg->replacement == TLB_RANDOM)
        printf(" (seed %" PRIu64 ")", cfg->seed);
    printf("\nreferences %" PRIu64 "\nhits %" PRIu64 "\nmisses %" PRIu64 "\nmiss rate %.*f\n",
           c->references, c->hits, c->misses, stats_f64_decimals(rate), rate);
    printf("read references %" PRIu64 "\nread misses %" PRIu64 "\nwrite references %" PRIu64
           "\nwrite misses %" PRIu64 "\n", refs[TRACE_OP_READ], miss[TRACE_OP_READ],
           refs[TRACE_OP_WRITE], miss[TRACE_OP_WRITE]);
    printf("compulsory misses %" PRIu64 "\ncapacity misses %" PRIu64 "\nconflict misses %" PRIu64
           "\n", c->compulsory, c->capacity, c->conflict);
}

int cmd_tlb(int argc, char **argv)
{
    bool named = false;
    struct trace_reader_opts opts = { .resolve = refuse_names, .resolve_arg = &named };
    struct trace_reader *r;
    struct counts counts;
    struct tlb_config cfg, fa_cfg;
    struct tlb_args a;
    struct tlb *t, *fa = NULL;
    char err[TRACE_ERR_MAX];
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc < 0)
        return CLI_OK;
    if (rc || (rc = check_config(&a, &cfg)))
        return rc;
    /* The 3C model's fully associative lru TLB of the same size, unless cfg is one. */
    fa_cfg = (struct tlb_config){ .entries = cfg.entries, .ways = cfg.entries,
                                  .replacement = TLB_LRU };
    t = tlb_new(&cfg);
    if (t && (cfg.ways != cfg.entries || cfg.replacement != TLB_LRU) && !(fa = tlb_new(&fa_cfg))) {
        tlb_free(t);
        t = NULL;
    }
    if (!t) {
        cli_error(CMD, "out of memory for a TLB of %u entries", cfg.entries);
        return CLI_FAILED;
    }
    opts.format = a.format;
    r = trace_open(a.trace, &opts, err, sizeof(err));
    if (!r) {
        cli_error(CMD, "%s", err);
        tlb_free(fa);
        tlb_free(t);
        return CLI_FAILED;
    }
    cli_progress_begin();
    rc = replay(&a, r, t, fa, &counts);
    cli_progress_end();
    if (rc < 0) {
        if (named)
            cli_error(CMD, "%s (the tlb command needs raw IOVAs such as 0x10000, not buffer "
                           "names)", trace_error(r));
        else
            cli_error(CMD, "%s", trace_error(r));
        rc = CLI_FAILED;
    } else if (rc == CLI_OK) {
        report(&a, &cfg, &counts);
        if (fflush(stdout) || ferror(stdout)) {
            cli_error(CMD, "cannot write the report to standard output");
            rc = CLI_FAILED;
        }
    }
    trace_close(r);
    tlb_free(fa);
    tlb_free(t);
    return rc;
}
