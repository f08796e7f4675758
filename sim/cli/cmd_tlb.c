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
 * the TLB. (Prefetching the buckets of the records ahead measured slower: the
 * tables of a 1024-entry study stay in the L2 cache, and the out-of-order core
 * already overlaps successive references; the prefetches only added instructions.)
 *
 * Speed matters (traces of 10^7 references and more): records are read in
 * batches, a reference to the page just referenced is counted without a lookup
 * (exact, see replay()), and otherwise the work is one tlb_lookup (two with the
 * shadow TLB), plus a tlb_fill and a page-set probe on a miss. docs/cli.md
 * describes the options and the output.
 *
 * This file parses the options and runs one size at one page size. A list of sizes
 * (--entries 8,16,64..1024) or of page sizes goes to tlb_curve.c, which computes
 * them all in one pass (models/mrc.c's stack distances for lru) with the same
 * counts, written as a table, JSON or CSV (tlb_study.h).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/mrc.h"
#include "models/tlb.h"
#include "sim/cli/cli.h"
#include "sim/cli/opts.h"
#include "sim/cli/tlb_study.h"
#include "sim/config/config.h"
#include "sim/core/stats.h"
#include "sim/trace/trace.h"

#define CMD             TLB_CMD
#define DEFAULT_SEED    1u
#define NO_PAGE         1u              /* not page-aligned: equal to no page address */
#define REFS_BATCH      1024u           /* references per trace_next_refs: 9 KiB, in the L1 cache */
#define PROGRESS_EVERY  (TLB_PROGRESS_EVERY * TLB_BATCH / REFS_BATCH)   /* the same records apart */

enum {
    OPT_TRACE = 256,
    OPT_FORMAT,
    OPT_PAGE_SIZE,
    OPT_ENTRIES,
    OPT_WAYS,
    OPT_SETS,
    OPT_REPLACEMENT,
    OPT_SEED,
    OPT_JSON,
    OPT_CSV,
    OPT_HELP,
};

static const struct option tlb_options[] = {
    { "trace",       required_argument, NULL, OPT_TRACE },
    { "format",      required_argument, NULL, OPT_FORMAT },
    { "page-size",   required_argument, NULL, OPT_PAGE_SIZE },
    { "entries",     required_argument, NULL, OPT_ENTRIES },
    { "ways",        required_argument, NULL, OPT_WAYS },
    { "sets",        required_argument, NULL, OPT_SETS },
    { "replacement", required_argument, NULL, OPT_REPLACEMENT },
    { "seed",        required_argument, NULL, OPT_SEED },
    { "json",        no_argument,       NULL, OPT_JSON },
    { "csv",         required_argument, NULL, OPT_CSV },
    { "help",        no_argument,       NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

const char *const tlb_page_size_names[PAGE_SIZES] = { "4k", "64k", "1m", "16m" };
#define page_size_names tlb_page_size_names

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim tlb --trace FILE --page-size SIZE --entries N [OPTIONS]\n"
            "\n"
            "Replays the accesses of a raw address trace (64-bit addresses; plain or\n"
            "gzip/xz/zstd-compressed) through the SMMU's TLB model, every address\n"
            "identity-mapped at one page size, and counts hits and misses, by read and\n"
            "write and by cause (compulsory, capacity, conflict). With several sizes or\n"
            "page sizes, the whole miss-ratio curve in one pass (lru: stack distances).\n"
            "\n"
            "  --trace FILE         the trace ('-' for standard input); raw IOVAs only\n"
            "  --format FMT         din, text or bin (default: from the file name:\n"
            "                       .din din, .bin bin, otherwise text)\n"
            "  --page-size SIZES    4k, 64k, 1m or 16m, or a list: 4k,64k,1m\n"
            "  --entries LIST       TLB entries, 1 .. %u: N, or a list of N, A-B (every\n"
            "                       size from A to B; with --sets S every multiple of S)\n"
            "                       and A..B (A, 2A, 4A, ... up to B): 8,16,64..1024\n"
            "  --ways W             associativity, 1 .. N, dividing N into a power-of-two\n"
            "                       number of sets (default: N, fully associative)\n"
            "  --sets S             instead of --ways: S sets (a power of two) at every\n"
            "                       size, N / S ways each\n"
            "  --replacement POL    lru, plru, round-robin or random (default: lru)\n"
            "  --seed N             seed of the random policy (default: %u)\n"
            "  --json               one JSON object instead of the text report\n"
            "  --csv FILE           also write the counts as CSV ('-': instead of the\n"
            "                       report, on standard output); iommusim plot --mrc\n"
            "                       draws it\n"
            "  --help               this text\n",
            TLB_MAX_ENTRIES, DEFAULT_SEED);
}

/* ------------------------------------------------------------------ arguments */

static int parse_page_size(const char *s, size_t len, enum page_size *out)
{
    for (unsigned i = 0; i < PAGE_SIZES; i++)
        if (strlen(page_size_names[i]) == len && !strncmp(s, page_size_names[i], len)) {
            *out = (enum page_size)i;
            return 0;
        }
    return -EINVAL;
}

/* A comma-separated list of page sizes, kept in size order, each once. */
static int parse_page_sizes(const char *arg, struct tlb_args *a)
{
    bool want[PAGE_SIZES] = { false };
    const char *s = arg;
    enum page_size ps;

    for (;;) {
        size_t len = strcspn(s, ",");
        if (parse_page_size(s, len, &ps)) {
            cli_error(CMD, "--page-size '%.*s' is not a page size: must be 4k, 64k, 1m or 16m",
                      (int)len, s);
            return CLI_USAGE;
        }
        want[ps] = true;
        if (!s[len])
            break;
        s += len + 1;
    }
    a->npage_sizes = 0;
    for (unsigned i = 0; i < PAGE_SIZES; i++)
        if (want[i])
            a->page_size[a->npage_sizes++] = (enum page_size)i;
    return CLI_OK;
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

/* One number of an --entries item (its text is s[0 .. len)). */
static int entries_number(const char *arg, const char *s, size_t len, uint64_t *out)
{
    char buf[32];
    bool bad = len == 0 || len >= sizeof(buf);

    if (!bad) {
        memcpy(buf, s, len);
        buf[len] = 0;
        bad = config_parse_u64(buf, out) != 0;
    }
    if (bad) {
        cli_error(CMD, "--entries '%s': '%.*s' is not an integer: must be 1 .. %u", arg,
                  (int)len, s, TLB_MAX_ENTRIES);
        return CLI_USAGE;
    }
    if (*out < 1 || *out > TLB_MAX_ENTRIES) {
        cli_error(CMD, "--entries '%s': %" PRIu64 " is out of range: must be 1 .. %u", arg,
                  *out, TLB_MAX_ENTRIES);
        return CLI_USAGE;
    }
    return CLI_OK;
}

enum entries_kind { ENTRIES_ONE, ENTRIES_EVERY, ENTRIES_DOUBLING };

/* One item of --entries, s[0 .. len): N, A-B or A..B. */
static int entries_item(const char *arg, const char *s, size_t len, uint64_t *lo, uint64_t *hi,
                        enum entries_kind *kind)
{
    const char *dots = memchr(s, '.', len), *dash = memchr(s, '-', len);
    size_t cut = dots ? (size_t)(dots - s) : dash ? (size_t)(dash - s) : len, skip;

    if ((dots && (dots + 1 >= s + len || dots[1] != '.')) || (dots && dash)) {
        cli_error(CMD, "--entries '%s': '%.*s' is not a size or a range (N, A-B or A..B)",
                  arg, (int)len, s);
        return CLI_USAGE;
    }
    if (entries_number(arg, s, cut, lo))
        return CLI_USAGE;
    *hi = *lo;
    *kind = dots ? ENTRIES_DOUBLING : dash ? ENTRIES_EVERY : ENTRIES_ONE;
    if (*kind == ENTRIES_ONE)
        return CLI_OK;
    skip = cut + (dots ? 2 : 1);
    if (entries_number(arg, s + skip, len - skip, hi))
        return CLI_USAGE;
    if (*hi < *lo) {
        cli_error(CMD, "--entries '%s': the range '%.*s' ends below its start", arg, (int)len,
                  s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/*
 * --entries into a->entries, ascending, each once (duplicates merge): N; A-B, every
 * size from A to B (every multiple of the sets with --sets); A..B, A, 2A, 4A, ... up
 * to B. When want is NULL, only checks the text.
 */
static int walk_entries(const char *arg, const struct tlb_args *a, uint64_t *want)
{
    const uint64_t step = a->sets_given ? a->sets : 1;
    const char *s = arg;
    enum entries_kind kind;
    uint64_t lo, hi;

    for (;;) {
        size_t len = strcspn(s, ",");
        if (entries_item(arg, s, len, &lo, &hi, &kind))
            return CLI_USAGE;
        if (want && kind == ENTRIES_DOUBLING)
            for (uint64_t e = lo; e <= hi; e *= 2)
                want[e / 64] |= 1ull << (e % 64);
        else if (want && kind == ENTRIES_EVERY)
            for (uint64_t e = (lo + step - 1) / step * step; e <= hi; e += step)
                want[e / 64] |= 1ull << (e % 64);
        else if (want)
            want[lo / 64] |= 1ull << (lo % 64);
        if (!s[len])
            return CLI_OK;
        s += len + 1;
    }
}

static int expand_entries(const char *arg, struct tlb_args *a)
{
    uint64_t *want = calloc(TLB_MAX_ENTRIES / 64 + 1, sizeof(*want));
    unsigned n = 0;

    if (!want) {
        cli_error(CMD, "out of memory");
        return CLI_FAILED;
    }
    walk_entries(arg, a, want);
    for (uint64_t w = 0; w <= TLB_MAX_ENTRIES / 64; w++)
        n += (unsigned)__builtin_popcountll(want[w]);
    if (!n) {
        cli_error(CMD, "--entries '%s' --sets %" PRIu64 ": no size of the range is a "
                  "multiple of the sets", arg, a->sets);
        free(want);
        return CLI_USAGE;
    }
    if (!(a->entries = malloc(n * sizeof(*a->entries)))) {
        free(want);
        cli_error(CMD, "out of memory");
        return CLI_FAILED;
    }
    /* The set bits word by word: a test of every possible size took ~2 ms a run. */
    a->nentries = 0;
    for (uint64_t w = 0; w <= TLB_MAX_ENTRIES / 64; w++)
        for (uint64_t bits = want[w]; bits; bits &= bits - 1)
            a->entries[a->nentries++] = (unsigned)(w * 64 + (uint64_t)__builtin_ctzll(bits));
    free(want);
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
                       "--entries, --ways, --sets, --replacement, --seed, --json, --csv, "
                       "--help)", arg);
    return CLI_USAGE;
}

/* CLI_OK, CLI_USAGE, or -1 after --help (the caller exits 0). */
static int parse_args(int argc, char **argv, struct tlb_args *a)
{
    struct cli_once once = { 0 };
    const char *entries = NULL;
    uint64_t one;
    int c, rc;

    *a = (struct tlb_args){ .replacement = TLB_LRU, .seed = DEFAULT_SEED };
    opterr = 0;
    optind = 0;                         /* full reinitialisation (GNU) */
    while ((c = getopt_long(argc, argv, ":h", tlb_options, NULL)) != -1) {
        if (c == 'h')
            c = OPT_HELP;               /* -h is --help */
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
            if ((rc = parse_page_sizes(optarg, a)))
                return rc;
            break;
        case OPT_ENTRIES:
            /* One number keeps the messages of a single size; a list is checked here
             * and expanded once --sets is known. */
            if (!optarg[strcspn(optarg, ",-.")])
                rc = parse_count("--entries", optarg, TLB_MAX_ENTRIES, &one);
            else
                rc = walk_entries(optarg, a, NULL);
            if (rc)
                return rc;
            entries = optarg;
            break;
        case OPT_WAYS:
            if ((rc = parse_count("--ways", optarg, TLB_MAX_ENTRIES, &a->ways)))
                return rc;
            a->ways_given = true;
            break;
        case OPT_SETS:
            if ((rc = parse_count("--sets", optarg, TLB_MAX_ENTRIES, &a->sets)))
                return rc;
            if (a->sets & (a->sets - 1)) {
                cli_error(CMD, "--sets %s is not a power of two (1, 2, 4, ...)", optarg);
                return CLI_USAGE;
            }
            a->sets_given = true;
            break;
        case OPT_CSV:
            a->csv = optarg;
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
    if (!a->trace || !a->npage_sizes || !entries) {
        cli_error(CMD, "missing %s (usage: iommusim tlb --trace FILE --page-size 4k|64k|1m|16m "
                       "--entries N [--ways W] ...)",
                  !a->trace ? "--trace FILE" : !a->npage_sizes ? "--page-size SIZE"
                                                                : "--entries N");
        return CLI_USAGE;
    }
    if (a->ways_given && a->sets_given) {
        cli_error(CMD, "--ways and --sets both given: the one fixes the other at each size "
                       "(give one)");
        return CLI_USAGE;
    }
    if ((rc = expand_entries(entries, a)))
        return rc;
    if (!a->ways_given)
        a->ways = a->entries[0] / (a->sets_given ? a->sets : 1);
    if (!a->format_given)
        a->format = trace_format_from_path(a->trace);
    return CLI_OK;
}

static int check_config(const struct tlb_args *a, struct tlb_config *cfg)
{
    char err[256];

    *cfg = (struct tlb_config){
        .entries = a->entries[0], .ways = (unsigned)a->ways,
        .replacement = a->replacement, .seed = a->seed,
    };
    if (a->sets_given && a->entries[0] % a->sets) {
        cli_error(CMD, "--entries %u --sets %" PRIu64 ": %u entries do not divide into %"
                  PRIu64 " sets", cfg->entries, a->sets, cfg->entries, a->sets);
        return CLI_USAGE;
    }
    if (tlb_config_check(cfg, err, sizeof(err))) {
        if (a->sets_given)
            cli_error(CMD, "--entries %u --sets %" PRIu64 ": %s", cfg->entries, a->sets, err);
        else if (a->ways_given)
            cli_error(CMD, "--entries %u --ways %u: %s", cfg->entries, cfg->ways, err);
        else
            cli_error(CMD, "--entries %u: %s", cfg->entries, err);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------------ replay */

/* Buffer names have no address here: refuse them, noting why the reader stopped. */
int tlb_refuse_names(void *arg, const char *name)
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
 * Adds the references (reads and writes) and the writes among n ops to *refs and
 * *writes, eight ops at a time: an op is at most 3 (enum trace_ref_op), so bit 1 of
 * a byte says "not a reference" (a marker or a named buffer) and bit 0 without bit
 * 1 says "a write", and a multiply adds the eight bytes' bits. Counted in the
 * replay loop, the counts were a store and a load per reference (the loop has no
 * registers to spare for them).
 */
static void count_ops(const uint8_t *ops, long n, uint64_t *refs, uint64_t *writes)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t r = 0, w = 0, x;
    long i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&x, ops + i, sizeof(x));
        r += 8 - ((((x >> 1) & ones) * ones) >> 56);
        w += (((x & ~(x >> 1)) & ones) * ones) >> 56;
    }
    for (; i < n; i++) {
        r += ops[i] <= TRACE_REF_WRITE;
        w += ops[i] == TRACE_REF_WRITE;
    }
    *refs += r;
    *writes += w;
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
                  struct tlb *fa, struct mrc_counts *c)
{
    const uint64_t page_mask = ~((uint64_t)page_bytes(a->page_size[0]) - 1);
    const unsigned shift = page_shift(a->page_size[0]);
    struct tlb_entry e = { .size = a->page_size[0] };
    uint64_t *addrs = malloc(REFS_BATCH * sizeof(*addrs));
    uint8_t *ops = malloc(REFS_BATCH * sizeof(*ops));
    uint64_t last_page = NO_PAGE, page;
    uint64_t done = 0, refs = 0, writes = 0;
    struct mrc_pages seen;
    unsigned batches = 0;
    int fa_hit = 0, hit;
    long n;
    int rc = CLI_OK, fresh;

    *c = (struct mrc_counts){ 0 };
    if (!addrs || !ops || mrc_pages_init(&seen)) {
        free(addrs);
        free(ops);
        cli_error(CMD, "out of memory");
        return CLI_FAILED;
    }
    while ((n = trace_next_refs(r, addrs, ops, REFS_BATCH)) > 0) {
        count_ops(ops, n, &refs, &writes);
        for (long i = 0; i < n; i++) {
            const unsigned op = ops[i];
            const uint64_t addr = addrs[i];

            if (op > TRACE_REF_WRITE) {
                if (__builtin_expect(op == TRACE_REF_BUFFER, 0)) {
                    rc = replay_error(a, done + (uint64_t)i + 1);
                    goto out;
                }
                continue;               /* a marker */
            }
            page = addr & page_mask;
            if (page == last_page)
                continue;
            last_page = page;
            e.va = page;
            e.pa = (uint32_t)page;      /* the study never translates: only va matters */
            if (fa && (fa_hit = tlb_access(fa, 0, 0, addr, &e)) < 0)
                goto fill_failed;
            if ((hit = tlb_access(t, 0, 0, addr, &e)) < 0)
                goto fill_failed;
            if (!hit) {
                c->misses_by_op[op]++;
                if ((fresh = mrc_pages_add(&seen, page >> shift)) < 0) {
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
    c->refs_by_op[TRACE_OP_READ] = refs - writes;
    c->refs_by_op[TRACE_OP_WRITE] = writes;
    /* Every reference is a lookup or a repeat, and every repeat a hit. */
    c->references = refs;
    c->misses = tlb_stats(t)->misses;
    c->hits = refs - c->misses;
    mrc_pages_free(&seen);
    free(addrs);
    free(ops);
    return rc;
}

/* ------------------------------------------------------------------ report */

void tlb_json_string(FILE *out, const char *s)
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
                   const struct mrc_counts *c)
{
    /* An empty trace has no miss rate; 0 keeps the output a number. */
    double rate = c->references ? (double)c->misses / (double)c->references : 0.0;
    const uint64_t *refs = c->refs_by_op, *miss = c->misses_by_op;

    if (a->json) {
        printf("{\"trace\": ");
        tlb_json_string(stdout, a->trace);
        printf(", \"page_size\": \"%s\", \"entries\": %u, \"ways\": %u, \"replacement\": \"%s\", "
               "\"references\": %" PRIu64 ", \"hits\": %" PRIu64 ", \"misses\": %" PRIu64
               ", \"miss_rate\": %.*f, \"reads\": %" PRIu64 ", \"read_misses\": %" PRIu64
               ", \"writes\": %" PRIu64 ", \"write_misses\": %" PRIu64 ", \"compulsory\": %"
               PRIu64 ", \"capacity\": %" PRIu64 ", \"conflict\": %" PRIu64 "}\n",
               page_size_names[a->page_size[0]], cfg->entries, cfg->ways,
               tlb_replacement_name(cfg->replacement), c->references, c->hits, c->misses,
               stats_f64_decimals(rate), rate,
               refs[TRACE_OP_READ], miss[TRACE_OP_READ], refs[TRACE_OP_WRITE],
               miss[TRACE_OP_WRITE], c->compulsory, c->capacity, c->conflict);
        return;
    }
    printf("trace %s (%s), %s pages, %u entries, %u %s (%u %s), %s",
           a->trace, trace_format_name(a->format), page_size_names[a->page_size[0]],
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

/* The trace reader's failure, in the command's words. */
static void reader_error(struct trace_reader *r, bool named)
{
    if (named)
        cli_error(CMD, "%s (the tlb command needs raw IOVAs such as 0x10000, not buffer "
                       "names)", trace_error(r));
    else
        cli_error(CMD, "%s", trace_error(r));
}

/* One TLB size at one page size, through the TLB model. */
static int single(const struct tlb_args *a, const struct tlb_config *cfg,
                  struct trace_reader *r, bool *named)
{
    struct tlb_config fa_cfg;
    struct tlb_row row = { .page_size = a->page_size[0], .entries = cfg->entries,
                           .ways = cfg->ways };
    struct tlb *t, *fa = NULL;
    int rc;

    /* The 3C model's fully associative lru TLB of the same size, unless cfg is one. */
    fa_cfg = (struct tlb_config){ .entries = cfg->entries, .ways = cfg->entries,
                                  .replacement = TLB_LRU };
    t = tlb_new(cfg);
    if (t && (cfg->ways != cfg->entries || cfg->replacement != TLB_LRU) &&
        !(fa = tlb_new(&fa_cfg))) {
        tlb_free(t);
        t = NULL;
    }
    if (!t) {
        cli_error(CMD, "out of memory for a TLB of %u entries", cfg->entries);
        return CLI_FAILED;
    }
    cli_progress_begin();
    rc = replay(a, r, t, fa, &row.c);
    cli_progress_end();
    if (rc < 0) {
        reader_error(r, *named);
        rc = CLI_FAILED;
    } else if (rc == CLI_OK) {
        if (!a->csv || strcmp(a->csv, "-")) {
            report(a, cfg, &row.c);
            if (fflush(stdout) || ferror(stdout)) {
                cli_error(CMD, "cannot write the report to standard output");
                rc = CLI_FAILED;
            }
        }
        if (rc == CLI_OK && a->csv)
            rc = tlb_write_csv(a, &row, 1, a->csv);
    }
    tlb_free(fa);
    tlb_free(t);
    return rc;
}

int cmd_tlb(int argc, char **argv)
{
    bool named = false;
    struct trace_reader_opts opts = { .resolve = tlb_refuse_names, .resolve_arg = &named };
    struct trace_reader *r = NULL;
    struct tlb_config cfg;
    struct tlb_args a;
    char err[TRACE_ERR_MAX];
    bool curve;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc < 0)
        return CLI_OK;
    if (rc)
        goto out;
    curve = a.nentries > 1 || a.npage_sizes > 1;
    if (!curve && (rc = check_config(&a, &cfg)))
        goto out;
    opts.format = a.format;
    r = trace_open(a.trace, &opts, err, sizeof(err));
    if (!r) {
        cli_error(CMD, "%s", err);
        rc = CLI_FAILED;
        goto out;
    }
    if (!curve) {
        rc = single(&a, &cfg, r, &named);
    } else if ((rc = tlb_curve(&a, r)) < 0) {
        reader_error(r, named);
        rc = CLI_FAILED;
    }
out:
    if (r)
        trace_close(r);
    free(a.entries);
    return rc;
}
