/*
 * test_l2cache.c - the shared L2's tag store (models/l2cache.c) on hand-made access
 * sequences.
 *
 * Most tests use a small cache whose every set can be followed by hand: 1 KiB,
 * 2 ways, 64-byte lines, so 1024 / (2 * 64) = 8 sets; the set of an address is
 * (pa / 64) % 8 = bits [8:6], so addresses 0x000, 0x200, 0x400, 0x600 ... (a stride
 * of 8 lines = 512 bytes) all fall in set 0.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "models/l2cache.h"
#include "sim/core/kernel.h"
#include "sim/core/stats.h"

static struct l2cache *small_cache(void)
{
    struct l2cache_config cfg = { .size_bytes = 1024, .ways = 2, .line_bytes = 64,
                                  .hit_latency = 20 * SIM_NS };
    struct l2cache *c = l2cache_new(&cfg);

    assert_non_null(c);
    return c;
}

/* A read that misses is filled at once, as the walker does when the miss completes. */
static bool read_fill(struct l2cache *c, uint32_t pa)
{
    bool hit = l2cache_lookup(c, pa, 4);

    if (!hit)
        l2cache_fill(c, pa, 4);
    return hit;
}

/*
 * Set 0 with 2 ways, addresses A = 0x000, B = 0x200, C = 0x400 (all set 0):
 *   A  miss, fill (set 0: A)
 *   B  miss, fill (A, B; B most recent)
 *   A  hit       (A most recent, B least)
 *   C  miss, fill: evicts B, the least recently used (A, C)
 *   A  hit
 *   B  miss, fill: evicts C (A was used after C) -> (A, B)
 *   C  miss, fill: evicts A -> (B, C)
 *   A+4 (same line as A) miss
 * lookups 8, hits 2, misses 6, fills 6 (A, B, C, B, C, A), evictions 4 (B, C, A, and
 * the last fill of A evicts B).
 */
static void test_lru_sequence(void **state)
{
    (void)state;
    struct l2cache *c = small_cache();

    assert_false(read_fill(c, 0x000));
    assert_false(read_fill(c, 0x200));
    assert_true(read_fill(c, 0x000));
    assert_false(read_fill(c, 0x400));
    assert_false(l2cache_contains(c, 0x200));       /* B was the LRU line */
    assert_true(read_fill(c, 0x000));
    assert_false(read_fill(c, 0x200));
    assert_false(l2cache_contains(c, 0x400));       /* C went */
    assert_false(read_fill(c, 0x400));
    assert_false(l2cache_contains(c, 0x000));       /* then A */
    assert_false(read_fill(c, 0x004));              /* A's line again: a miss */

    const struct l2cache_stats *s = l2cache_stats(c);
    assert_int_equal(s->lookups, 8);
    assert_int_equal(s->hits, 2);
    assert_int_equal(s->misses, 6);
    assert_int_equal(s->fills, 6);
    assert_int_equal(s->evictions, 4);
    l2cache_free(c);
}

/*
 * Sets are independent: 0x000 (set 0), 0x040 (set 1), 0x1C0 (set 7), 0x240 (set 1
 * again: 0x240 / 64 = 9, 9 % 8 = 1). Filling them all evicts nothing (set 1 has two
 * ways); a third set-1 line, 0x440 (17 % 8 = 1), evicts 0x040, the older of set 1.
 */
static void test_sets_are_independent(void **state)
{
    (void)state;
    struct l2cache *c = small_cache();

    assert_false(read_fill(c, 0x000));
    assert_false(read_fill(c, 0x040));
    assert_false(read_fill(c, 0x1C0));
    assert_false(read_fill(c, 0x240));
    assert_int_equal(l2cache_stats(c)->evictions, 0);
    assert_true(read_fill(c, 0x000));
    assert_true(read_fill(c, 0x1FC));               /* the last word of 0x1C0's line */
    assert_false(read_fill(c, 0x440));
    assert_int_equal(l2cache_stats(c)->evictions, 1);
    assert_false(l2cache_contains(c, 0x040));
    assert_true(l2cache_contains(c, 0x240));
    assert_true(l2cache_contains(c, 0x000));
    l2cache_free(c);
}

/*
 * A read of 128 bytes at 0x80 covers lines 0x80 and 0xC0: it hits only when both are
 * present. Fill 0x80 alone; the wide read misses; filling the range adds 0xC0 only
 * (fills 1 + 1 = 2); the wide read then hits.
 */
static void test_multi_line_reads(void **state)
{
    (void)state;
    struct l2cache *c = small_cache();

    l2cache_fill(c, 0x80, 4);
    assert_false(l2cache_lookup(c, 0x80, 128));
    l2cache_fill(c, 0x80, 128);
    assert_int_equal(l2cache_stats(c)->fills, 2);
    assert_true(l2cache_lookup(c, 0x80, 128));
    assert_int_equal(l2cache_stats(c)->hits, 1);
    assert_int_equal(l2cache_stats(c)->misses, 1);
    l2cache_invalidate_all(c);
    assert_false(l2cache_contains(c, 0x80));
    assert_false(l2cache_contains(c, 0xC0));
    assert_int_equal(l2cache_stats(c)->invalidations, 1);
    l2cache_free(c);
}

/*
 * The Krait default, 1 MiB, 8 ways, 128-byte lines: 2^20 / (8 * 128) = 1024 sets, so
 * addresses 128 KiB apart (1024 lines) share a set. Nine of them: the ninth evicts the
 * first; the second, used again before the ninth, stays.
 */
static void test_krait_geometry(void **state)
{
    (void)state;
    struct l2cache_config cfg = { .size_bytes = 1u << 20, .ways = 8, .line_bytes = 128,
                                  .hit_latency = 40 * SIM_NS };
    struct l2cache *c = l2cache_new(&cfg);
    const uint32_t stride = 128u * 1024u;

    assert_non_null(c);
    for (uint32_t i = 0; i < 8; i++)
        assert_false(read_fill(c, 0x80000000u + i * stride));
    assert_true(read_fill(c, 0x80000000u + 1 * stride));
    assert_false(read_fill(c, 0x80000000u + 8 * stride));
    assert_false(l2cache_contains(c, 0x80000000u));
    assert_true(l2cache_contains(c, 0x80000000u + stride));
    assert_int_equal(l2cache_stats(c)->evictions, 1);
    assert_int_equal(l2cache_config(c)->hit_latency, 40 * SIM_NS);
    l2cache_free(c);
}

static void test_config_errors(void **state)
{
    (void)state;
    char err[160];
    struct l2cache_config ok = { .size_bytes = 1u << 20, .ways = 8, .line_bytes = 128 };
    struct l2cache_config c;

    assert_int_equal(l2cache_config_check(&ok, err, sizeof(err)), 0);
    c = ok; c.ways = 0;
    assert_int_equal(l2cache_config_check(&c, err, sizeof(err)), -EINVAL);
    c = ok; c.line_bytes = 96;
    assert_int_equal(l2cache_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "line size"));
    c = ok; c.size_bytes = 3u << 19;            /* 1.5 MiB: 1536 sets, not a power of two */
    assert_int_equal(l2cache_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "size"));
    c = ok; c.hit_latency = 2 * SIM_MS;
    assert_int_equal(l2cache_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_int_equal(l2cache_config_check(NULL, err, sizeof(err)), -EINVAL);
    assert_null(l2cache_new(NULL));
    c = ok; c.ways = 3;                         /* 1 MiB / 384 is not whole */
    assert_null(l2cache_new(&c));
}

/* The registry gets the counters under the prefix; hit rate = 2 / 8 = 0.25. */
static void test_register_stats(void **state)
{
    (void)state;
    struct l2cache *c = small_cache();
    struct stats *st = stats_new();
    uint64_t v;
    double r;

    read_fill(c, 0x000);
    read_fill(c, 0x200);
    read_fill(c, 0x000);
    read_fill(c, 0x400);
    read_fill(c, 0x000);
    read_fill(c, 0x200);
    read_fill(c, 0x400);
    read_fill(c, 0x004);
    assert_int_equal(l2cache_register_stats(c, st, "l2"), 0);
    assert_int_equal(stats_get_u64(st, "l2.hits", &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(stats_get_u64(st, "l2.misses", &v), 0);
    assert_int_equal(v, 6);
    assert_int_equal(stats_get_f64(st, "l2.hit_rate", &r), 0);
    assert_true(r == 0.25);
    assert_int_equal(stats_get_u64(st, "l2.evictions", &v), 0);
    assert_int_equal(v, 4);
    stats_free(st);
    l2cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru_sequence),
        cmocka_unit_test(test_sets_are_independent),
        cmocka_unit_test(test_multi_line_reads),
        cmocka_unit_test(test_krait_geometry),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_register_stats),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
