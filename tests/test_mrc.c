/*
 * test_mrc.c - unit tests of the one-pass miss-ratio curve (models/mrc.c).
 *
 * Two kinds of check. Hand-made page sequences whose stack distances are worked out
 * by hand in the comments (fully associative, and two sets of two ways), so the
 * histogram and every count of the curve are known independently. And long
 * sequences, pseudo-random with locality and from the video_decode generator, at
 * every page size, where every size of the curve must equal what the TLB model
 * (models/tlb.c, lru) counts when it replays the same references one TLB size at a
 * time, with the 3C split classified per reference as `iommusim tlb` does it
 * (compulsory: the first reference to the page; conflict: a fully associative lru
 * TLB of the same size hits; capacity: the rest).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/mrc.h"
#include "models/tlb.h"
#include "tests/lib/trace.h"

struct ref {
    uint64_t addr;
    unsigned op;
};

static struct mrc *mk(unsigned entries, unsigned sets)
{
    struct mrc_config cfg = { .entries = entries, .sets = sets };
    struct mrc *m = mrc_new(&cfg);

    assert_non_null(m);
    return m;
}

static void feed(struct mrc *m, const uint64_t *pages, unsigned n, const unsigned *want)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned d = 0;
        assert_int_equal(mrc_access(m, pages[i], i % 3 == 2, &d), 0);
        if (want)
            assert_int_equal(d, want[i]);
    }
}

/* ------------------------------------------------------------------ by hand */

/*
 * Pages 1 1 2 3 1 2 4 1 3 (every third a write), fully associative, depth 4:
 *   1 cold; 1 again: 0; 2, 3 cold; 1: {2,3} since -> 2; 2: {3,1} -> 2; 4 cold;
 *   1: {2,4} -> 2; 3: {1,2,4} -> 3.
 * Histogram: d0 1, d2 3, d3 1, 4 cold. Misses at N entries = references with
 * distance >= N (cold included): N=1,2: 8; N=3: 5; N=4: 4. All misses beyond
 * the 4 compulsory ones are capacity (one set: no conflict). Writes are the
 * references at positions 2, 5, 8 (0-based): pages 2 (cold), 2 (d2), 3 (d3).
 */
static void test_fa_by_hand(void **state)
{
    static const uint64_t pages[] = { 1, 1, 2, 3, 1, 2, 4, 1, 3 };
    static const unsigned want[] = { MRC_COLD, 0, MRC_COLD, MRC_COLD, 2, 2, MRC_COLD, 2, 3 };
    static const uint64_t misses[] = { 0, 8, 8, 5, 4 };
    static const uint64_t write_misses[] = { 0, 3, 3, 2, 1 };
    struct mrc *m = mk(4, 1);
    struct mrc_counts c;

    (void)state;
    feed(m, pages, 9, want);
    for (unsigned n = 1; n <= 4; n++) {
        assert_int_equal(mrc_counts(m, n, &c), 0);
        assert_int_equal(c.references, 9);
        assert_int_equal(c.misses, misses[n]);
        assert_int_equal(c.hits, 9 - misses[n]);
        assert_int_equal(c.refs_by_op[1], 3);
        assert_int_equal(c.refs_by_op[0], 6);
        assert_int_equal(c.misses_by_op[1], write_misses[n]);
        assert_int_equal(c.misses_by_op[0], misses[n] - write_misses[n]);
        assert_int_equal(c.compulsory, 4);
        assert_int_equal(c.capacity, misses[n] - 4);
        assert_int_equal(c.conflict, 0);
        assert_int_equal(mrc_fa_misses(m, n), misses[n]);
    }
    assert_int_equal(mrc_counts(m, 5, &c), -EINVAL);
    assert_int_equal(mrc_counts(m, 0, &c), -EINVAL);
    assert_int_equal(mrc_fa_misses(m, 5), UINT64_MAX);
    mrc_free(m);

    /* Depth 3: the last reference (distance 3) is beyond, not cold. */
    m = mk(3, 1);
    feed(m, pages, 8, want);
    unsigned d;
    assert_int_equal(mrc_access(m, 3, 0, &d), 0);
    assert_int_equal(d, MRC_BEYOND);
    assert_int_equal(mrc_counts(m, 3, &c), 0);
    assert_int_equal(c.misses, 5);
    assert_int_equal(c.compulsory, 4);
    mrc_free(m);
}

/*
 * Pages 0 2 4 0 1 3 2 1, two sets (set = page & 1), depth 4 (2 ways per set):
 *   set 0 sees 0 2 4 0 2, set 1 sees 1 3 1.
 *   ref  page  set distance        fully associative distance
 *   0    0     cold                cold
 *   1    2     cold                cold
 *   2    4     cold                cold
 *   3    0     {2,4} = 2           {2,4} = 2
 *   4    1     cold                cold
 *   5    3     cold                cold
 *   6    2     {4,0} = 2           {4,0,1,3} = 4 (beyond depth 4)
 *   7    1     {3} = 1             {3,2} = 2
 * Five distinct pages: 5 compulsory misses at every size.
 * 1 way (2 entries): every set distance >= 1: 8 misses; a conflict needs a fully
 *   associative distance < 2: none, so 3 capacity.
 * 2 ways (4 entries): misses are set distances >= 2: all but ref 7, 7 misses;
 *   ref 3 (set 2, fully associative 2 < 4) is a conflict, ref 6 (beyond) is not:
 *   1 conflict, 1 capacity.
 * Fully associative: 4 entries miss 6 (5 cold + ref 6), 2 entries miss 8.
 */
static void test_sa_by_hand(void **state)
{
    static const uint64_t pages[] = { 0, 2, 4, 0, 1, 3, 2, 1 };
    static const unsigned want[] = { MRC_COLD, MRC_COLD, MRC_COLD, 2, MRC_COLD, MRC_COLD,
                                     MRC_BEYOND, 2 };
    struct mrc *m = mk(4, 2);
    struct mrc_counts c;

    (void)state;
    feed(m, pages, 8, want);
    assert_int_equal(mrc_counts(m, 2, &c), 0);
    assert_int_equal(c.misses, 8);
    assert_int_equal(c.compulsory, 5);
    assert_int_equal(c.capacity, 3);
    assert_int_equal(c.conflict, 0);
    assert_int_equal(mrc_counts(m, 4, &c), 0);
    assert_int_equal(c.misses, 7);
    assert_int_equal(c.compulsory, 5);
    assert_int_equal(c.capacity, 1);
    assert_int_equal(c.conflict, 1);
    assert_int_equal(mrc_counts(m, 3, &c), -EINVAL);   /* not a multiple of 2 sets */
    assert_int_equal(mrc_fa_misses(m, 4), 6);
    assert_int_equal(mrc_fa_misses(m, 2), 8);
    mrc_free(m);
}

static void test_config_errors(void **state)
{
    struct mrc_config bad[] = { { 0, 1 }, { MRC_MAX_ENTRIES + 1, 1 }, { 8, 3 }, { 8, 16 },
                                { 8, 0 } };
    static const char *const msg[] = {
        "mrc entries = 0: must be 1 .. 1048576",
        "mrc entries = 1048577: must be 1 .. 1048576",
        "mrc sets = 3: must be a power of two (1, 2, 4, ...)",
        "mrc sets = 16: must divide the entries (8)",
        "mrc sets = 0: must be a power of two (1, 2, 4, ...)",
    };
    char err[128];

    (void)state;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(mrc_config_check(&bad[i], err, sizeof(err)), -EINVAL);
        assert_string_equal(err, msg[i]);
        assert_null(mrc_new(&bad[i]));
    }
}

/* ------------------------------------------------------------------ against the model */

/*
 * Replays refs through a TLB of `entries` entries and `ways` ways (lru), as
 * `iommusim tlb` does, classifying each miss with a fully associative lru TLB of
 * the same size and the set of pages seen.
 */
static void simulate(const struct ref *refs, size_t n, enum page_size ps, unsigned entries,
                     unsigned ways, struct mrc_counts *c)
{
    struct tlb_config cfg = { .entries = entries, .ways = ways, .replacement = TLB_LRU };
    struct tlb_config fcfg = { .entries = entries, .ways = entries, .replacement = TLB_LRU };
    struct tlb *t = tlb_new(&cfg), *fa = tlb_new(&fcfg);
    const uint64_t mask = ~((uint64_t)page_bytes(ps) - 1);
    struct mrc_pages seen;

    assert_non_null(t);
    assert_non_null(fa);
    assert_int_equal(mrc_pages_init(&seen), 0);
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        struct tlb_entry e = { .va = refs[i].addr & mask, .size = ps };
        bool fa_hit = tlb_lookup(fa, 0, 0, refs[i].addr) != NULL;

        if (!fa_hit)
            assert_int_equal(tlb_fill(fa, &e), 0);
        c->refs_by_op[refs[i].op]++;
        if (tlb_lookup(t, 0, 0, refs[i].addr))
            continue;
        assert_int_equal(tlb_fill(t, &e), 0);
        c->misses_by_op[refs[i].op]++;
        if (mrc_pages_add(&seen, refs[i].addr >> page_shift(ps)))
            c->compulsory++;
        else if (fa_hit)
            c->conflict++;
        else
            c->capacity++;
    }
    c->references = c->refs_by_op[0] + c->refs_by_op[1];
    c->misses = c->misses_by_op[0] + c->misses_by_op[1];
    c->hits = c->references - c->misses;
    mrc_pages_free(&seen);
    tlb_free(fa);
    tlb_free(t);
}

/* Every size of a curve of depth `entries` at `sets` sets equals its own replay. */
static void check_curve(const struct ref *refs, size_t n, unsigned entries, unsigned sets,
                        unsigned step)
{
    for (unsigned ps = 0; ps < PAGE_SIZES; ps++) {
        struct mrc *m = mk(entries, sets);
        struct mrc_counts got, want;

        for (size_t i = 0; i < n; i++)
            assert_int_equal(mrc_access(m, refs[i].addr >> page_shift(ps), refs[i].op, NULL), 0);
        for (unsigned e = sets; e <= entries; e += sets * step) {
            simulate(refs, n, (enum page_size)ps, e, e / sets, &want);
            assert_int_equal(mrc_counts(m, e, &got), 0);
            if (memcmp(&got, &want, sizeof(got))) {
                print_error("page size %u, %u entries, %u sets: misses %llu want %llu, "
                            "capacity %llu want %llu, conflict %llu want %llu\n", ps, e, sets,
                            (unsigned long long)got.misses, (unsigned long long)want.misses,
                            (unsigned long long)got.capacity, (unsigned long long)want.capacity,
                            (unsigned long long)got.conflict, (unsigned long long)want.conflict);
                fail();
            }
        }
        mrc_free(m);
    }
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/*
 * A mix with locality: mostly small steps from the previous address, sometimes a
 * jump within 64 MiB, sometimes a jump anywhere in 2^40 (above 4 GiB: 64-bit tags),
 * so stack distances spread over the whole depth and beyond.
 */
static struct ref *random_refs(size_t n, uint64_t seed)
{
    struct ref *r = malloc(n * sizeof(*r));
    uint64_t s = seed, a = 0x100000;

    assert_non_null(r);
    for (size_t i = 0; i < n; i++) {
        uint64_t x = splitmix(&s);
        switch (x & 7) {
        case 0:
            a = (x >> 8) & ((1ull << 40) - 1);
            break;
        case 1: case 2:
            a = 0x40000000ull + ((x >> 8) & ((64ull << 20) - 1));
            break;
        default:
            a += (x >> 8) & 0x3FFF;
            break;
        }
        r[i] = (struct ref){ .addr = a, .op = (x >> 60) & 1 };
    }
    return r;
}

static void test_random_fully_associative(void **state)
{
    struct ref *r = random_refs(20000, 7);

    (void)state;
    check_curve(r, 20000, 96, 1, 1);
    free(r);
}

static void test_random_set_associative(void **state)
{
    struct ref *r = random_refs(20000, 11);

    (void)state;
    check_curve(r, 20000, 64, 2, 1);
    check_curve(r, 20000, 128, 8, 1);
    check_curve(r, 20000, 256, 256, 1);     /* direct mapped: one way per set */
    free(r);
}

/* A set's window is renumbered often when the depth is small: 1 entry, then 2 ways. */
static void test_small_depths(void **state)
{
    struct ref *r = random_refs(5000, 3);

    (void)state;
    check_curve(r, 5000, 1, 1, 1);
    check_curve(r, 5000, 4, 2, 1);
    free(r);
}

/*
 * Deep distances, through the three levels of a 4096-deep stack's count tree and
 * across its renumberings: pages 0 .. K-1 (K = 4000, all cold), then passes back
 * and forth. A backward pass from K-2 down to 0 meets page j with pages j+1 .. K-1
 * referenced since its last use: distance K-1-j. A forward pass from 1 up to K-1
 * meets page j after pages j-1 .. 0: distance j. Then a cycle over 5000 new pages,
 * deeper than the stack: cold on the first round, beyond it after.
 */
static void test_deep_distances(void **state)
{
    enum { K = 4000, PASSES = 10, BIG = 5000 };
    struct mrc *m = mk(4096, 1);
    unsigned d;

    (void)state;
    for (uint64_t j = 0; j < K; j++) {
        assert_int_equal(mrc_access(m, 1000 + j, 0, &d), 0);
        assert_int_equal(d, MRC_COLD);
    }
    for (unsigned pass = 0; pass < PASSES; pass++) {
        for (unsigned k = 0; k < K - 1; k++) {
            uint64_t j = pass % 2 == 0 ? K - 2 - k : k + 1;
            assert_int_equal(mrc_access(m, 1000 + j, 1, &d), 0);
            assert_int_equal(d, pass % 2 == 0 ? K - 1 - j : j);
        }
    }
    for (unsigned round = 0; round < 3; round++)
        for (uint64_t j = 0; j < BIG; j++) {
            assert_int_equal(mrc_access(m, (1ull << 40) + j, 0, &d), 0);
            assert_int_equal(d, round == 0 ? MRC_COLD : MRC_BEYOND);
        }
    /* Misses at 4096 entries: the cold ones, and the 10000 beyond. */
    assert_int_equal(mrc_fa_misses(m, 4096), K + BIG + 2 * BIG);
    /* At 2000 entries the passes' distances 2000 .. 3999 miss too: 2000 a pass. */
    assert_int_equal(mrc_fa_misses(m, 2000), K + BIG + 2 * BIG + PASSES * (K - 2000));
    mrc_free(m);
}

/* References drawn from a pool of 3000 pages: distances over the whole depth. */
static void test_deep_pool(void **state)
{
    enum { N = 30000, POOL = 3000 };
    struct ref *r = malloc(N * sizeof(*r));
    uint64_t s = 5;

    (void)state;
    assert_non_null(r);
    for (size_t i = 0; i < N; i++) {
        uint64_t x = splitmix(&s);
        r[i] = (struct ref){ .addr = (x % POOL) << 24 | (x >> 40 & 0xFFF), .op = x >> 63 };
    }
    check_curve(r, N, 2048, 1, 97);
    check_curve(r, N, 2048, 4, 61);
    free(r);
}

/*
 * The set of pages seen across many groups and its growth: 20000 pages each in a
 * group of its own (a stride of 1000 pages, groups are 448), and the largest and
 * smallest page numbers, are new once and seen after; their neighbours are new.
 */
static void test_pages_seen(void **state)
{
    struct mrc_pages ps;
    const uint64_t top = (1ull << 52) - 1;

    (void)state;
    assert_int_equal(mrc_pages_init(&ps), 0);
    for (uint64_t i = 0; i < 20000; i++)
        assert_int_equal(mrc_pages_add(&ps, i * 1000 + 7), 1);
    assert_int_equal(mrc_pages_add(&ps, 0), 1);
    assert_int_equal(mrc_pages_add(&ps, top), 1);
    for (uint64_t i = 0; i < 20000; i++) {
        assert_int_equal(mrc_pages_add(&ps, i * 1000 + 7), 0);
        assert_int_equal(mrc_pages_add(&ps, i * 1000 + 8), 1);
    }
    assert_int_equal(mrc_pages_add(&ps, 0), 0);
    assert_int_equal(mrc_pages_add(&ps, top), 0);
    assert_int_equal(mrc_pages_add(&ps, top - 1), 1);
    mrc_pages_free(&ps);
}

/* The video_decode generator's references (its buffers placed one after another). */
static void test_generated(void **state)
{
    struct tracegen *g = gen_from_yaml("kind: video_decode\nframes: 2\nwidth: 320\n"
                                       "height: 240\n");
    size_t n = 0, cap = 1 << 16;
    struct ref *r = malloc(cap * sizeof(*r));
    uint64_t base[64] = { 0 }, next = 0x10000000;
    struct trace_rec rec;

    (void)state;
    assert_non_null(r);
    assert_true(tracegen_num_buffers(g) <= 64);
    for (unsigned b = 0; b < tracegen_num_buffers(g); b++) {
        base[b] = next;
        next += (tracegen_buffer_size(g, b) + 0xFFFFFF) & ~0xFFFFFFull;
    }
    while (tracegen_next(g, &rec) == 1) {
        if (rec.op > TRACE_OP_WRITE)
            continue;
        if (n == cap)
            assert_non_null(r = realloc(r, (cap *= 2) * sizeof(*r)));
        r[n++] = (struct ref){ .addr = base[rec.buffer] + rec.addr, .op = rec.op };
    }
    tracegen_free(g);
    assert_true(n > 10000);
    check_curve(r, n, 64, 1, 3);
    check_curve(r, n, 64, 4, 3);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fa_by_hand),
        cmocka_unit_test(test_sa_by_hand),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_random_fully_associative),
        cmocka_unit_test(test_random_set_associative),
        cmocka_unit_test(test_small_depths),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_deep_distances),
        cmocka_unit_test(test_deep_pool),
        cmocka_unit_test(test_pages_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
