/*
 * bench_lru.c - the TLB model against a plain O(1) LRU hash map, the baseline.
 *
 * The baseline (tests/bench/plain_lru.h) is what a hundred lines of C give a fully
 * associative LRU TLB: a chained hash map from page to node and a doubly linked
 * recency list. It is here only to be measured against; nothing in the product
 * uses it. The model (models/tlb.c) does more on every access (page sizes, VMID
 * and ASID tags, statistics, the other policies' hooks), and its goal is never to
 * be slower than this baseline on any configuration.
 *
 * Both replay one array of page-aligned addresses the way `iommusim tlb` does: a
 * lookup per reference and, on a miss, a fill (global 4 KiB entries of VMID 0); the
 * model through tlb_access, the one call that command makes per reference.
 * Patterns:
 *   random:  pages drawn by splitmix64 from 4 GiB above 4 GiB (2^20 pages), so
 *            nearly every reference misses and evicts;
 *   cycle:   a working set of 3/4 of the entries, cycled: every reference hits
 *            once the set is loaded, each on another page than the last;
 *   stream:  16 references per page, pages in order (a burst stream), as a video
 *            or display master reads a frame.
 * Both must count the same misses (an exact check of the model's lru against an
 * independent one, printed). Each case is the fastest of ROUNDS rounds, the two
 * sides' rounds interleaved, since the machine is shared.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "models/tlb.h"

#define REFS            (1u << 21)
#define ROUNDS          5
#define RANDOM_BASE     (1ull << 32)
#define RANDOM_PAGES    (1u << 20)
#define STREAM_REPEAT   16

#include "tests/bench/plain_lru.h"
#include "tests/bench/bench_util.h"

/* ------------------------------------------------------------------ the runs */

enum pattern { RANDOM, CYCLE, STREAM, PATTERNS };
static const char *const pattern_names[PATTERNS] = { "random", "cycle", "stream" };

static void make_refs(uint64_t *refs, enum pattern p, unsigned entries)
{
    uint64_t s = 0x5eed;

    for (uint32_t i = 0; i < REFS; i++) {
        if (p == RANDOM)
            refs[i] = RANDOM_BASE + (bench_splitmix64(&s) >> 44) * 4096ull;
        else if (p == CYCLE)
            refs[i] = RANDOM_BASE + (uint64_t)(i % (entries * 3 / 4)) * 4096ull;
        else
            refs[i] = RANDOM_BASE + (uint64_t)(i / STREAM_REPEAT) * 4096ull;
    }
}

static double run_model(const uint64_t *refs, unsigned entries, uint64_t *misses)
{
    struct tlb_config cfg = { .entries = entries, .ways = entries, .replacement = TLB_LRU };
    struct tlb *t = tlb_new(&cfg);
    struct tlb_entry e = { .size = PAGE_4K };
    double t0 = bench_now();

    if (!t)
        return 0;
    for (uint32_t i = 0; i < REFS; i++) {
        e.va = refs[i];
        e.pa = (uint32_t)refs[i];
        if (tlb_access(t, 0, 0, refs[i], &e) < 0)
            return 0;
    }
    double dt = bench_now() - t0;
    *misses = tlb_stats(t)->misses;
    tlb_free(t);
    return REFS / dt / 1e6;
}

static double run_plain(const uint64_t *refs, unsigned entries, uint64_t *misses)
{
    struct plain_lru l;
    uint64_t m = 0;

    if (plain_init(&l, entries))
        return 0;
    double t0 = bench_now();
    for (uint32_t i = 0; i < REFS; i++)
        m += !plain_access(&l, refs[i]);
    double dt = bench_now() - t0;
    *misses = m;
    plain_free(&l);
    return REFS / dt / 1e6;
}

int main(void)
{
    static const unsigned sizes[] = { 32, 1024, 4096 };
    uint64_t *refs = malloc(REFS * sizeof(*refs));

    if (!refs)
        return 1;
    for (unsigned p = 0; p < PATTERNS; p++) {
        for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            double best_m = 0, best_p = 0, r;
            uint64_t mm = 0, mp = 0;

            make_refs(refs, (enum pattern)p, sizes[k]);
            for (int round = 0; round < ROUNDS; round++) {
                if ((r = run_model(refs, sizes[k], &mm)) > best_m)
                    best_m = r;
                if ((r = run_plain(refs, sizes[k], &mp)) > best_p)
                    best_p = r;
            }
            printf("lru: %-6s %4u entries fully-assoc: model %6.1f M refs/s, plain O(1) LRU "
                   "baseline %6.1f M/s (%.2fx), misses %llu / %llu%s\n",
                   pattern_names[p], sizes[k], best_m, best_p, best_m / best_p,
                   (unsigned long long)mm, (unsigned long long)mp,
                   mm == mp ? "" : "  MISMATCH");
            if (mm != mp)
                return 1;
        }
    }
    free(refs);
    return 0;
}
