/*
 * test_phys_pool.c - the VCM memory target: block pool layout, greedy block
 * allocation with fallback and tail rounding, all-or-nothing failure, seeded
 * fragmentation, the contiguous pool (alignment, first/best fit, merging) and
 * misuse. Every expected address is worked out by hand in the comments from the
 * rules in vcm/phys_pool.h.
 *
 * The reference target: a 64 MiB block region at 0x80000000, default shares.
 *   16M pool: 1/2 * 64M / 16M =    2 blocks, 0x80000000..0x82000000
 *    1M pool: 1/4 * 64M /  1M =   16 blocks, 0x82000000..0x83000000
 *   64K pool: 1/8 * 64M / 64K =  128 blocks, 0x83000000..0x83800000
 *    4K pool: 1/8 * 64M /  4K = 2048 blocks, 0x83800000..0x84000000
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "vcm/phys_pool.h"

#define SZ_4K  0x1000u
#define SZ_64K 0x10000u
#define SZ_1M  0x100000u
#define SZ_16M 0x1000000u
#define SZ_64M 0x4000000u

#define BASE      0x80000000u
#define POOL16M   0x80000000u
#define POOL1M    0x82000000u
#define POOL64K   0x83000000u
#define POOL4K    0x83800000u

#define CONT_BASE 0x90000000u

static struct phys_target *make_target(double frag, uint64_t seed, uint64_t cont_size,
                                       enum phys_cont_policy pol)
{
    struct phys_target_cfg cfg;
    struct phys_target *t;
    char err[256] = "";

    phys_target_cfg_default(&cfg, BASE, SZ_64M);
    cfg.frag = frag;
    cfg.frag_seed = seed;
    cfg.cont_base = CONT_BASE;
    cfg.cont_size = cont_size;
    cfg.cont_policy = pol;
    t = phys_target_create(&cfg, err, sizeof(err));
    if (!t)
        print_error("create failed: %s\n", err);
    assert_non_null(t);
    return t;
}

static void expect_free(const struct phys_target *t, uint32_t f16m, uint32_t f1m,
                        uint32_t f64k, uint32_t f4k)
{
    struct phys_target_stats st;

    phys_target_stats(t, &st);
    assert_int_equal(st.pool[PHYS_POOL_16M].free, f16m);
    assert_int_equal(st.pool[PHYS_POOL_1M].free, f1m);
    assert_int_equal(st.pool[PHYS_POOL_64K].free, f64k);
    assert_int_equal(st.pool[PHYS_POOL_4K].free, f4k);
}

static void test_layout_default_shares(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_target_stats st;

    (void)state;
    phys_target_stats(t, &st);
    /* Counts and bases from the table at the top of this file. */
    assert_int_equal(st.pool[PHYS_POOL_16M].total, 2);
    assert_int_equal(st.pool[PHYS_POOL_16M].base, POOL16M);
    assert_int_equal(st.pool[PHYS_POOL_16M].block_size, SZ_16M);
    assert_int_equal(st.pool[PHYS_POOL_1M].total, 16);
    assert_int_equal(st.pool[PHYS_POOL_1M].base, POOL1M);
    assert_int_equal(st.pool[PHYS_POOL_64K].total, 128);
    assert_int_equal(st.pool[PHYS_POOL_64K].base, POOL64K);
    assert_int_equal(st.pool[PHYS_POOL_4K].total, 2048);
    assert_int_equal(st.pool[PHYS_POOL_4K].base, POOL4K);
    expect_free(t, 2, 16, 128, 2048);
    assert_int_equal(phys_pool_block_size(PHYS_POOL_64K), SZ_64K);
    assert_int_equal(phys_pool_block_size(PHYS_NPOOLS), 0);
    phys_target_destroy(t);
}

static void test_custom_shares_layout(void **state)
{
    struct phys_target_cfg cfg;
    struct phys_target_stats st;
    struct phys_target *t;

    (void)state;
    /*
     * 32 MiB at 0x40000000, no 16M pool, 1M 1/2, 64K 1/4, 4K 0.1.
     *   1M:  0.5 * 32M / 1M   = 16 blocks at 0x40000000..0x41000000
     *   64K: 0.25 * 32M / 64K = 128 blocks at 0x41000000..0x41800000
     *   4K:  0.1 * 32M / 4K   = 819.2 -> 819 blocks at 0x41800000
     *   16M: 0 blocks; its (empty) pool sits at the base, where it would start.
     */
    phys_target_cfg_default(&cfg, 0x40000000u, 2 * SZ_16M);
    cfg.share[PHYS_POOL_16M] = 0;
    cfg.share[PHYS_POOL_1M] = 0.5;
    cfg.share[PHYS_POOL_64K] = 0.25;
    cfg.share[PHYS_POOL_4K] = 0.1;
    t = phys_target_create(&cfg, NULL, 0);
    assert_non_null(t);
    phys_target_stats(t, &st);
    assert_int_equal(st.pool[PHYS_POOL_16M].total, 0);
    assert_int_equal(st.pool[PHYS_POOL_1M].total, 16);
    assert_int_equal(st.pool[PHYS_POOL_1M].base, 0x40000000u);
    assert_int_equal(st.pool[PHYS_POOL_64K].total, 128);
    assert_int_equal(st.pool[PHYS_POOL_64K].base, 0x41000000u);
    assert_int_equal(st.pool[PHYS_POOL_4K].total, 819);
    assert_int_equal(st.pool[PHYS_POOL_4K].base, 0x41800000u);
    phys_target_destroy(t);

    /*
     * The 1e-9 rule: share 10/64 of 64 MiB is 10 1M blocks exactly; a 4K share of
     * 100 * 4K / 64M = 0.006103515625 (exact in binary) is 100 blocks.
     */
    phys_target_cfg_default(&cfg, BASE, SZ_64M);
    cfg.share[PHYS_POOL_1M] = 10.0 / 64.0;
    cfg.share[PHYS_POOL_4K] = 0.006103515625;
    t = phys_target_create(&cfg, NULL, 0);
    assert_non_null(t);
    phys_target_stats(t, &st);
    assert_int_equal(st.pool[PHYS_POOL_1M].total, 10);
    assert_int_equal(st.pool[PHYS_POOL_4K].total, 100);
    /* 16M at 0x80000000 (2), 1M at 0x82000000 (10), 64K at 0x82A00000 (128), 4K at 0x83200000 */
    assert_int_equal(st.pool[PHYS_POOL_64K].base, 0x82A00000u);
    assert_int_equal(st.pool[PHYS_POOL_4K].base, 0x83200000u);
    phys_target_destroy(t);
}

static void expect_block(const struct phys_alloc *a, uint32_t k, uint32_t pa, uint32_t size)
{
    assert_true(k < a->nblocks);
    assert_int_equal(a->blocks[k].pa, pa);
    assert_int_equal(a->blocks[k].size, size);
}

static void test_5m4k_all_sizes(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL;
    struct phys_target_stats st;
    uint32_t k;

    (void)state;
    assert_int_equal(phys_alloc(t, 5 * SZ_1M + SZ_4K, PHYS_SZ_ALL, 0, 0, &a, NULL, 0), 0);
    /*
     * 16M > 5M+4K: none. 1M: floor((5M+4K)/1M) = 5, the lowest five 1M blocks
     * 0x82000000 + k * 0x100000. Remainder 4K: 64K > 4K, none; 4K: one, the
     * lowest 4K block 0x83800000. 6 blocks, total exactly 5M + 4K.
     */
    assert_int_equal(a->nblocks, 6);
    for (k = 0; k < 5; k++)
        expect_block(a, k, POOL1M + k * SZ_1M, SZ_1M);
    expect_block(a, 5, POOL4K, SZ_4K);
    assert_int_equal(a->blocks[5].pool, PHYS_POOL_4K);
    assert_int_equal(a->total, 5 * SZ_1M + SZ_4K);
    assert_int_equal(a->len, 5 * SZ_1M + SZ_4K);
    expect_free(t, 2, 11, 128, 2047);

    phys_target_stats(t, &st);
    assert_int_equal(st.pool[PHYS_POOL_1M].blocks_allocated, 5);
    assert_int_equal(st.pool[PHYS_POOL_4K].blocks_allocated, 1);
    assert_int_equal(st.live_allocs, 1);
    assert_int_equal(st.allocs, 1);

    /* Five contiguous 1M blocks: [0x82000000, +5M) is allocated, one more MiB is not. */
    assert_true(phys_is_allocated(t, POOL1M, 5 * SZ_1M));
    assert_false(phys_is_allocated(t, POOL1M, 6 * SZ_1M));
    assert_true(phys_is_allocated(t, POOL4K, SZ_4K));
    assert_false(phys_is_allocated(t, POOL4K + SZ_4K, SZ_4K));
    phys_target_destroy(t);
}

static void test_5m4k_restricted_sizes(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL, *b = NULL, *c = NULL;
    uint32_t k;

    (void)state;
    /* 1M|64K: five 1M blocks, then the 4K tail is rounded up to one 64K block (0x83000000). */
    assert_int_equal(phys_alloc(t, 5 * SZ_1M + SZ_4K, PHYS_SZ_1M | PHYS_SZ_64K, 0, 0, &a,
                                NULL, 0), 0);
    assert_int_equal(a->nblocks, 6);
    for (k = 0; k < 5; k++)
        expect_block(a, k, POOL1M + k * SZ_1M, SZ_1M);
    expect_block(a, 5, POOL64K, SZ_64K);
    assert_int_equal(a->total, 5 * SZ_1M + SZ_64K);

    /*
     * 64K|4K: 5M / 64K = 80 blocks of 64K; the pool's lowest free is now 0x83010000
     * (block 0 went to `a`), so blocks 1..80: 0x83010000 + k * 0x10000, the last at
     * 0x83500000. Then one 4K block at 0x83800000.
     */
    assert_int_equal(phys_alloc(t, 5 * SZ_1M + SZ_4K, PHYS_SZ_64K | PHYS_SZ_4K, 0, 0, &b,
                                NULL, 0), 0);
    assert_int_equal(b->nblocks, 81);
    for (k = 0; k < 80; k++)
        expect_block(b, k, POOL64K + (k + 1) * SZ_64K, SZ_64K);
    expect_block(b, 80, POOL4K, SZ_4K);
    assert_int_equal(b->blocks[79].pa, 0x83500000u);

    /*
     * 4K only: (5M + 4K) / 4K = 1280 + 1 = 1281 blocks, from 0x83801000 (0x83800000 is
     * b's) up to 0x83801000 + 1280 * 0x1000 = 0x83D01000.
     */
    assert_int_equal(phys_alloc(t, 5 * SZ_1M + SZ_4K, PHYS_SZ_4K, 0, 0, &c, NULL, 0), 0);
    assert_int_equal(c->nblocks, 1281);
    expect_block(c, 0, POOL4K + SZ_4K, SZ_4K);
    expect_block(c, 1280, 0x83D01000u, SZ_4K);
    /* 1M: 16 - 5; 64K: 128 - 1 - 80 = 47; 4K: 2048 - 1 - 1281 = 766 */
    expect_free(t, 2, 11, 47, 766);

    assert_int_equal(phys_free(t, b), 0);
    assert_int_equal(phys_free(t, a), 0);
    assert_int_equal(phys_free(t, c), 0);
    expect_free(t, 2, 16, 128, 2048);
    phys_target_destroy(t);
}

static void test_16m_blocks_first(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL;
    uint32_t k;

    (void)state;
    /* 40M: two 16M blocks (32M, the whole 16M pool), remainder 8M: eight 1M blocks. */
    assert_int_equal(phys_alloc(t, 40 * SZ_1M, PHYS_SZ_ALL, 0, 0, &a, NULL, 0), 0);
    assert_int_equal(a->nblocks, 10);
    expect_block(a, 0, POOL16M, SZ_16M);
    expect_block(a, 1, POOL16M + SZ_16M, SZ_16M);
    for (k = 0; k < 8; k++)
        expect_block(a, 2 + k, POOL1M + k * SZ_1M, SZ_1M);
    expect_free(t, 0, 8, 128, 2048);
    phys_target_destroy(t);
}

static void test_fallback_when_1m_exhausted(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *all1m = NULL, *a = NULL;
    struct phys_target_stats st;
    uint32_t k;

    (void)state;
    /* Take the whole 1M pool: 16M with only 1M blocks = 16 blocks. */
    assert_int_equal(phys_alloc(t, SZ_16M, PHYS_SZ_1M, 0, 0, &all1m, NULL, 0), 0);
    assert_int_equal(all1m->nblocks, 16);
    expect_free(t, 2, 0, 128, 2048);

    /*
     * 5M + 4K with all sizes: 1M wanted 5, has 0 -> falls back: 64K takes
     * 5M / 64K = 80 blocks (0x83000000..0x834F0000), then one 4K block.
     */
    assert_int_equal(phys_alloc(t, 5 * SZ_1M + SZ_4K, PHYS_SZ_ALL, 0, 0, &a, NULL, 0), 0);
    assert_int_equal(a->nblocks, 81);
    for (k = 0; k < 80; k++)
        expect_block(a, k, POOL64K + k * SZ_64K, SZ_64K);
    expect_block(a, 80, POOL4K, SZ_4K);
    phys_target_stats(t, &st);
    assert_int_equal(st.pool[PHYS_POOL_1M].fallbacks, 1);
    assert_int_equal(st.pool[PHYS_POOL_64K].fallbacks, 0);

    /* Freed 1M blocks are reused lowest first: free all, then 1M -> 0x82000000. */
    assert_int_equal(phys_free(t, all1m), 0);
    assert_int_equal(phys_alloc(t, SZ_1M, PHYS_SZ_ALL, 0, 0, &all1m, NULL, 0), 0);
    assert_int_equal(all1m->nblocks, 1);
    expect_block(all1m, 0, POOL1M, SZ_1M);
    phys_target_destroy(t);
}

static void test_tail_uses_larger_block_when_small_pool_empty(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *all4k = NULL, *a = NULL;

    (void)state;
    /* Empty the 4K pool: 2048 * 4K = 8M. */
    assert_int_equal(phys_alloc(t, 8 * SZ_1M, PHYS_SZ_4K, 0, 0, &all4k, NULL, 0), 0);
    assert_int_equal(all4k->nblocks, 2048);
    /*
     * 4K with all sizes: step 1 wants one 4K block, the pool is empty; step 2 covers
     * the 4K tail with the smallest allowed size that has a block: 64K (0x83000000).
     */
    assert_int_equal(phys_alloc(t, SZ_4K, PHYS_SZ_ALL, 0, 0, &a, NULL, 0), 0);
    assert_int_equal(a->nblocks, 1);
    expect_block(a, 0, POOL64K, SZ_64K);
    assert_int_equal(a->blocks[0].pool, PHYS_POOL_64K);
    phys_target_destroy(t);
}

static void test_sub_page_tail_rounds_up(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL;

    (void)state;
    /* 1M + 1 byte, 1M|64K: one 1M block, the 1-byte tail rounds up to one 64K block. */
    assert_int_equal(phys_alloc(t, SZ_1M + 1, PHYS_SZ_1M | PHYS_SZ_64K, 0, 0, &a, NULL, 0), 0);
    assert_int_equal(a->nblocks, 2);
    expect_block(a, 0, POOL1M, SZ_1M);
    expect_block(a, 1, POOL64K, SZ_64K);
    assert_int_equal(a->total, SZ_1M + SZ_64K);
    /*
     * 1M + 100 bytes, all sizes: one 1M block (the next, 0x82100000); the 100-byte
     * tail is below every block size, so step 2 rounds it up to the smallest
     * allowed size, one 4K block (0x83800000), not a 64K one.
     */
    assert_int_equal(phys_alloc(t, SZ_1M + 100, PHYS_SZ_ALL, 0, 0, &a, NULL, 0), 0);
    assert_int_equal(a->nblocks, 2);
    expect_block(a, 0, POOL1M + SZ_1M, SZ_1M);
    expect_block(a, 1, POOL4K, SZ_4K);
    assert_int_equal(a->total, SZ_1M + SZ_4K);
    phys_target_destroy(t);
}

static void test_all_or_nothing(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL;
    struct phys_target_stats st;
    char err[512] = "";

    (void)state;
    /*
     * 64K|4K, 16M + 4K: step 1 could take all 128 64K blocks (8M) and all 2048 4K
     * blocks (8M), leaving 4K that no pool can cover. Nothing may be taken.
     */
    assert_int_equal(phys_alloc(t, SZ_16M + SZ_4K, PHYS_SZ_64K | PHYS_SZ_4K, 0, 0, &a, err,
                                sizeof(err)), -ENOMEM);
    assert_null(a);
    expect_free(t, 2, 16, 128, 2048);
    phys_target_stats(t, &st);
    assert_int_equal(st.pool[PHYS_POOL_64K].used, 0);
    assert_int_equal(st.pool[PHYS_POOL_4K].used, 0);
    assert_int_equal(st.pool[PHYS_POOL_64K].failures, 1);
    assert_int_equal(st.pool[PHYS_POOL_4K].failures, 1);
    assert_int_equal(st.pool[PHYS_POOL_1M].failures, 0);      /* not allowed */
    assert_int_equal(st.failures, 1);
    assert_int_equal(st.allocs, 0);
    assert_int_equal(st.live_allocs, 0);
    /* The message names the request and what was left per pool. */
    assert_non_null(strstr(err, "0x1001000"));
    assert_non_null(strstr(err, "64K|4K"));
    assert_non_null(strstr(err, "64K 128/128"));
    assert_non_null(strstr(err, "4K 2048/2048"));

    /* The whole region is 64M; 64M + 4K cannot be met with every size either. */
    assert_int_equal(phys_alloc(t, SZ_64M + SZ_4K, PHYS_SZ_ALL, 0, 0, &a, NULL, 0), -ENOMEM);
    expect_free(t, 2, 16, 128, 2048);
    /* ... but exactly 64M can: 2 + 16 + 128 + 2048 blocks. */
    assert_int_equal(phys_alloc(t, SZ_64M, PHYS_SZ_ALL, 0, 0, &a, NULL, 0), 0);
    assert_int_equal(a->nblocks, 2 + 16 + 128 + 2048);
    expect_free(t, 0, 0, 0, 0);
    phys_target_destroy(t);
}

static void test_free_misuse(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_target *t2 = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL, *b = NULL, forged;
    struct phys_block fb = { .pa = POOL1M, .size = SZ_1M, .pool = PHYS_POOL_1M };
    struct phys_target_stats st;

    (void)state;
    assert_int_equal(phys_alloc(t, SZ_1M, PHYS_SZ_1M, 0, 0, &a, NULL, 0), 0);
    assert_int_equal(phys_alloc(t, SZ_64K, PHYS_SZ_64K, 0, 0, &b, NULL, 0), 0);

    /* A forged object naming a live block is not a live allocation: refused. */
    memset(&forged, 0, sizeof(forged));
    forged.nblocks = 1;
    forged.blocks = &fb;
    forged.len = forged.total = SZ_1M;
    assert_int_equal(phys_free(t, &forged), -EINVAL);
    /* An allocation of another target: refused. */
    assert_int_equal(phys_free(t2, a), -EINVAL);
    assert_int_equal(phys_free(t, NULL), -EINVAL);
    expect_free(t, 2, 15, 127, 2048);

    assert_int_equal(phys_free(t, a), 0);
    expect_free(t, 2, 16, 127, 2048);
    /* Double free: refused, nothing changes (b still held). */
    assert_int_equal(phys_free(t, a), -EINVAL);
    expect_free(t, 2, 16, 127, 2048);
    phys_target_stats(t, &st);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.live_allocs, 1);
    assert_int_equal(st.pool[PHYS_POOL_1M].blocks_freed, 1);
    phys_target_destroy(t);
    phys_target_destroy(t2);
}

static void test_alloc_bad_arguments(void **state)
{
    struct phys_target *t = make_target(0, 0, SZ_1M, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL;
    char err[256] = "";

    (void)state;
    assert_int_equal(phys_alloc(t, 0, PHYS_SZ_ALL, 0, 0, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "len"));
    assert_int_equal(phys_alloc(t, SZ_4K, 0, 0, 0, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "sz_mask"));
    assert_int_equal(phys_alloc(t, SZ_4K, 0x10, 0, 0, &a, err, sizeof(err)), -EINVAL);
    assert_int_equal(phys_alloc(t, SZ_4K, PHYS_SZ_ALL, 0x4, 0, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "flags"));
    assert_int_equal(phys_alloc(t, SZ_4K, PHYS_SZ_ALL, 0, SZ_4K, &a, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "align"));
    assert_int_equal(phys_alloc(t, SZ_4K, 0, PHYS_CONT, 3 * SZ_4K, &a, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(phys_alloc(t, SZ_4K, 0, PHYS_CONT, 0x800, &a, err, sizeof(err)),
                     -EINVAL);
    assert_null(a);
    expect_free(t, 2, 16, 128, 2048);
    phys_target_destroy(t);
}

static void expect_cfg_error(const struct phys_target_cfg *cfg, const char *word)
{
    char err[256] = "";

    assert_int_equal(phys_target_cfg_check(cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, word));
    assert_null(phys_target_create(cfg, NULL, 0));
}

static void test_config_checks(void **state)
{
    struct phys_target_cfg cfg;

    (void)state;
    phys_target_cfg_default(&cfg, BASE, SZ_64M);
    assert_int_equal(phys_target_cfg_check(&cfg, NULL, 0), 0);

    /* 0x80100000 is 1M aligned but the 16M pool has blocks: base must be 16M aligned. */
    phys_target_cfg_default(&cfg, 0x80100000u, SZ_64M);
    expect_cfg_error(&cfg, "base");
    /* Without a 16M share, 1M alignment is enough (16 + 128 + ... fit as before). */
    cfg.share[PHYS_POOL_16M] = 0;
    assert_int_equal(phys_target_cfg_check(&cfg, NULL, 0), 0);

    phys_target_cfg_default(&cfg, BASE, SZ_64M + 0x800);
    expect_cfg_error(&cfg, "4 KiB");
    phys_target_cfg_default(&cfg, 0xF0000000u, 0x20000000u);     /* ends past 4 GiB */
    expect_cfg_error(&cfg, "0x100000000");

    phys_target_cfg_default(&cfg, BASE, SZ_64M);
    cfg.share[PHYS_POOL_4K] = 0.25;                                /* 1/2+1/4+1/8+1/4 */
    expect_cfg_error(&cfg, "sum");
    cfg.share[PHYS_POOL_4K] = -0.1;
    expect_cfg_error(&cfg, "share[4K]");

    phys_target_cfg_default(&cfg, BASE, SZ_64M);
    cfg.frag = 1.0;
    expect_cfg_error(&cfg, "frag");

    phys_target_cfg_default(&cfg, BASE, SZ_64M);
    cfg.cont_base = BASE + SZ_64M - SZ_1M;                         /* inside the block region */
    cfg.cont_size = 2 * SZ_1M;
    expect_cfg_error(&cfg, "overlaps");
    cfg.cont_base = CONT_BASE + 0x200;
    expect_cfg_error(&cfg, "1 KiB");
    cfg.cont_base = CONT_BASE;
    cfg.cont_policy = (enum phys_cont_policy)7;
    expect_cfg_error(&cfg, "cont_policy");

    assert_int_equal(phys_target_cfg_check(NULL, NULL, 0), -EINVAL);
}

/* Blocks of one pool left free, found by allocating all of them (lowest first). */
static struct phys_alloc *take_all(struct phys_target *t, unsigned mask, uint32_t bsize,
                                   uint32_t nfree)
{
    struct phys_alloc *a = NULL;

    assert_int_equal(phys_alloc(t, (uint64_t)nfree * bsize, mask, 0, 0, &a, NULL, 0), 0);
    assert_int_equal(a->nblocks, nfree);
    return a;
}

static void test_fragmentation_counts_and_pattern(void **state)
{
    struct phys_target *t1 = make_target(0.5, 1, 0, PHYS_CONT_FIRST_FIT);
    struct phys_target *t1b = make_target(0.5, 1, 0, PHYS_CONT_FIRST_FIT);
    struct phys_target *t2 = make_target(0.5, 2, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a1, *a1b, *a2, *x = NULL;
    struct phys_target_stats st;
    /*
     * Seed 1, 1M pool (index 2, 16 blocks, floor(0.5 * 16) = 8 taken): the free
     * blocks, from an independent script of the documented algorithm (splitmix64
     * with state seed ^ 0x9e3779b97f4a7c15 * 3, partial Fisher-Yates, j = i + r %
     * (n - i)); that script's splitmix64 gives 0xe220a8397b1dcdaf as the first
     * output for state 0, the published reference value.
     */
    static const uint32_t free1[8] = { 0, 3, 5, 6, 9, 10, 13, 15 };
    static const uint32_t free2[8] = { 0, 3, 4, 5, 8, 10, 14, 15 };   /* seed 2 */
    uint32_t k;

    (void)state;
    phys_target_stats(t1, &st);
    /* floor(0.5 * n): 16M 1 of 2, 1M 8 of 16, 64K 64 of 128, 4K 1024 of 2048. */
    assert_int_equal(st.pool[PHYS_POOL_16M].frag, 1);
    assert_int_equal(st.pool[PHYS_POOL_1M].frag, 8);
    assert_int_equal(st.pool[PHYS_POOL_64K].frag, 64);
    assert_int_equal(st.pool[PHYS_POOL_4K].frag, 1024);
    expect_free(t1, 1, 8, 64, 1024);

    a1 = take_all(t1, PHYS_SZ_1M, SZ_1M, 8);
    a1b = take_all(t1b, PHYS_SZ_1M, SZ_1M, 8);
    a2 = take_all(t2, PHYS_SZ_1M, SZ_1M, 8);
    for (k = 0; k < 8; k++) {
        expect_block(a1, k, POOL1M + free1[k] * SZ_1M, SZ_1M);
        expect_block(a1b, k, POOL1M + free1[k] * SZ_1M, SZ_1M);   /* same seed, same pattern */
        expect_block(a2, k, POOL1M + free2[k] * SZ_1M, SZ_1M);    /* other seed, other one */
    }
    /* The pool is now empty: one more 1M block is refused. */
    assert_int_equal(phys_alloc(t1, SZ_1M, PHYS_SZ_1M, 0, 0, &x, NULL, 0), -ENOMEM);

    /* Same seed, whole 4K pool: identical block lists; the other seed differs somewhere. */
    a1 = take_all(t1, PHYS_SZ_4K, SZ_4K, 1024);
    a1b = take_all(t1b, PHYS_SZ_4K, SZ_4K, 1024);
    a2 = take_all(t2, PHYS_SZ_4K, SZ_4K, 1024);
    assert_memory_equal(a1->blocks, a1b->blocks, 1024 * sizeof(struct phys_block));
    assert_memory_not_equal(a1->blocks, a2->blocks, 1024 * sizeof(struct phys_block));
    /* Blocks come lowest first, each inside the pool. */
    for (k = 1; k < 1024; k++)
        assert_true(a1->blocks[k].pa > a1->blocks[k - 1].pa);
    assert_true(a1->blocks[1023].pa < POOL4K + 2048 * SZ_4K);

    phys_target_destroy(t1);
    phys_target_destroy(t1b);
    phys_target_destroy(t2);
}

static void test_fragmentation_rounding(void **state)
{
    struct phys_target_cfg cfg;
    struct phys_target_stats st;
    struct phys_target *t;

    (void)state;
    /*
     * f = 0.3 of the default pools: floor(0.6) = 0 of 2, floor(4.8) = 4 of 16,
     * floor(38.4) = 38 of 128, floor(614.4) = 614 of 2048.
     */
    phys_target_cfg_default(&cfg, BASE, SZ_64M);
    cfg.frag = 0.3;
    cfg.frag_seed = 7;
    t = phys_target_create(&cfg, NULL, 0);
    assert_non_null(t);
    phys_target_stats(t, &st);
    assert_int_equal(st.pool[PHYS_POOL_16M].frag, 0);
    assert_int_equal(st.pool[PHYS_POOL_1M].frag, 4);
    assert_int_equal(st.pool[PHYS_POOL_64K].frag, 38);
    assert_int_equal(st.pool[PHYS_POOL_4K].frag, 614);
    phys_target_destroy(t);

    /*
     * 0.29 * 100 is 28.999999999999996 in binary; the 1e-9 rule counts it as 29.
     * A 100-block 4K pool: share 0.006103515625 (see test_custom_shares_layout).
     */
    cfg.share[PHYS_POOL_4K] = 0.006103515625;
    cfg.frag = 0.29;
    t = phys_target_create(&cfg, NULL, 0);
    assert_non_null(t);
    phys_target_stats(t, &st);
    assert_int_equal(st.pool[PHYS_POOL_4K].total, 100);
    assert_int_equal(st.pool[PHYS_POOL_4K].frag, 29);
    assert_int_equal(st.pool[PHYS_POOL_4K].free, 71);
    phys_target_destroy(t);
}

static void test_fragmented_blocks_cannot_be_freed(void **state)
{
    struct phys_target *t = make_target(0.5, 1, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc forged;
    /* Seed 1's 1M pool: block 1 (0x82100000) is taken by fragmentation (free1 above). */
    struct phys_block fb = { .pa = POOL1M + SZ_1M, .size = SZ_1M, .pool = PHYS_POOL_1M };

    (void)state;
    memset(&forged, 0, sizeof(forged));
    forged.nblocks = 1;
    forged.blocks = &fb;
    assert_int_equal(phys_free(t, &forged), -EINVAL);
    assert_false(phys_is_allocated(t, POOL1M + SZ_1M, SZ_1M));
    expect_free(t, 1, 8, 64, 1024);
    phys_target_destroy(t);
}

static void test_cont_alignment_and_merge(void **state)
{
    struct phys_target *t = make_target(0, 0, SZ_1M, PHYS_CONT_FIRST_FIT);
    struct phys_target_stats st;
    uint32_t l1, l2a, l2b, l1b, l2c;

    (void)state;
    /* An L1 table: 16K at 16K alignment -> the pool base 0x90000000. */
    assert_int_equal(phys_cont_alloc(t, 0x4000, 0x4000, &l1), 0);
    assert_int_equal(l1, CONT_BASE);
    /* An L2 table: 1K at 1K -> right after, 0x90004000. */
    assert_int_equal(phys_cont_alloc(t, 0x400, 0x400, &l2a), 0);
    assert_int_equal(l2a, CONT_BASE + 0x4000);
    /* Another L1: lowest 16K-aligned address at or after 0x90004400 is 0x90008000. */
    assert_int_equal(phys_cont_alloc(t, 0x4000, 0x4000, &l1b), 0);
    assert_int_equal(l1b, CONT_BASE + 0x8000);
    /* First fit takes the gap [0x90004400, 0x90008000) left behind: 0x90004400. */
    assert_int_equal(phys_cont_alloc(t, 0x400, 0, &l2b), 0);
    assert_int_equal(l2b, CONT_BASE + 0x4400);
    /* A 1-byte request rounds up to 1K: 0x90004800. */
    assert_int_equal(phys_cont_alloc(t, 1, 0, &l2c), 0);
    assert_int_equal(l2c, CONT_BASE + 0x4800);

    phys_target_stats(t, &st);
    /* Free: [0x90004C00, 0x90008000) and [0x9000C000, 0x90100000). */
    assert_int_equal(st.cont.free_ranges, 2);
    assert_int_equal(st.cont.free_bytes, (0x8000 - 0x4C00) + (SZ_1M - 0xC000));
    assert_int_equal(st.cont.largest_free, SZ_1M - 0xC000);
    assert_int_equal(st.cont.live, 5);

    /* Misuse: an address inside a range, an unknown one; then a double free. */
    assert_int_equal(phys_cont_free(t, l1 + 0x400), -EINVAL);
    assert_int_equal(phys_cont_free(t, 0x12345000u), -EINVAL);
    assert_int_equal(phys_cont_free(t, l2a), 0);
    assert_int_equal(phys_cont_free(t, l2a), -EINVAL);
    /* Bad alignment: not a power of two, below 1K. */
    assert_int_equal(phys_cont_alloc(t, 0x400, 0x600, &l2a), -EINVAL);
    assert_int_equal(phys_cont_alloc(t, 0x400, 0x200, &l2a), -EINVAL);
    assert_int_equal(phys_cont_alloc(t, 0, 0, &l2a), -EINVAL);

    /* Free everything in a scattered order: the ranges merge back into one. */
    assert_int_equal(phys_cont_free(t, l1b), 0);
    assert_int_equal(phys_cont_free(t, l1), 0);
    assert_int_equal(phys_cont_free(t, l2c), 0);
    assert_int_equal(phys_cont_free(t, l2b), 0);
    phys_target_stats(t, &st);
    assert_int_equal(st.cont.free_ranges, 1);
    assert_int_equal(st.cont.free_bytes, SZ_1M);
    assert_int_equal(st.cont.live, 0);
    assert_int_equal(st.cont.allocs, 5);
    assert_int_equal(st.cont.frees, 5);

    /* Exhaustion: 1M fits exactly, then nothing. */
    assert_int_equal(phys_cont_alloc(t, SZ_1M, SZ_1M, &l1), 0);
    assert_int_equal(l1, CONT_BASE);
    assert_int_equal(phys_cont_alloc(t, 0x400, 0, &l2a), -ENOMEM);
    phys_target_destroy(t);
}

static void test_cont_first_fit_vs_best_fit(void **state)
{
    enum phys_cont_policy pol;

    (void)state;
    for (pol = PHYS_CONT_FIRST_FIT; pol <= PHYS_CONT_BEST_FIT; pol++) {
        struct phys_target *t = make_target(0, 0, SZ_1M, pol);
        uint32_t pa[5], x;
        int k;

        /* Five 4K ranges at 0x90000000 + k * 0x1000. */
        for (k = 0; k < 5; k++) {
            assert_int_equal(phys_cont_alloc(t, SZ_4K, SZ_4K, &pa[k]), 0);
            assert_int_equal(pa[k], CONT_BASE + k * SZ_4K);
        }
        /* Free ranges: [0, 8K) (k = 0, 1 merged), [12K, 16K) (k = 3), [20K, 1M). */
        assert_int_equal(phys_cont_free(t, pa[0]), 0);
        assert_int_equal(phys_cont_free(t, pa[1]), 0);
        assert_int_equal(phys_cont_free(t, pa[3]), 0);
        assert_int_equal(phys_cont_alloc(t, SZ_4K, SZ_4K, &x), 0);
        /* First fit: lowest range that fits, 0x90000000. Best fit: the 4K hole, 0x90003000. */
        assert_int_equal(x, pol == PHYS_CONT_FIRST_FIT ? CONT_BASE : CONT_BASE + 0x3000);
        phys_target_destroy(t);
    }
}

static void test_phys_cont_allocation_object(void **state)
{
    struct phys_target *t = make_target(0, 0, 4 * SZ_1M, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL, *b = NULL, *c = NULL;
    struct phys_target_stats st;
    char err[256] = "";

    (void)state;
    /*
     * The RFC's example: 2M + 4K, contiguous. Default alignment for >= 1M is 1M:
     * 0x90000000, one block of 0x201000 bytes.
     */
    assert_int_equal(phys_alloc(t, 2 * SZ_1M + SZ_4K, 0, PHYS_CONT, 0, &a, NULL, 0), 0);
    assert_int_equal(a->nblocks, 1);
    expect_block(a, 0, CONT_BASE, 0x201000u);
    assert_int_equal(a->blocks[0].pool, PHYS_POOL_CONT);
    assert_int_equal(a->flags, PHYS_CONT);
    assert_true(phys_is_allocated(t, CONT_BASE, 0x201000u));
    assert_false(phys_is_allocated(t, CONT_BASE, 0x202000u));
    /* 64K: default alignment 64K; 0x90201000 rounded up to 64K is 0x90210000. */
    assert_int_equal(phys_alloc(t, SZ_64K, 0, PHYS_CONT, 0, &b, NULL, 0), 0);
    expect_block(b, 0, 0x90210000u, SZ_64K);
    /* 100 bytes: rounds to 4K at 4K alignment, first fit: the gap at 0x90201000. */
    assert_int_equal(phys_alloc(t, 100, 0, PHYS_CONT, 0, &c, NULL, 0), 0);
    expect_block(c, 0, 0x90201000u, SZ_4K);
    assert_int_equal(c->total, SZ_4K);

    /* A range owned by an allocation object cannot be freed as a raw range. */
    assert_int_equal(phys_cont_free(t, CONT_BASE), -EINVAL);
    /* 2M at 1M alignment: free is [0x90202000, 0x90210000) and [0x90220000, 0x90400000);
     * the lowest 1M boundary is 0x90300000, leaving 1M: 2M does not fit. */
    assert_int_equal(phys_alloc(t, 2 * SZ_1M, 0, PHYS_CONT, 0, &c, err, sizeof(err)), -ENOMEM);
    assert_non_null(strstr(err, "largest free range 0x1e0000"));
    phys_target_stats(t, &st);
    assert_int_equal(st.failures, 1);
    assert_int_equal(st.cont.failures, 1);
    assert_int_equal(st.live_allocs, 3);

    assert_int_equal(phys_free(t, a), 0);
    assert_int_equal(phys_free(t, a), -EINVAL);
    /* Now 2M fits at 0x90000000 again. */
    assert_int_equal(phys_alloc(t, 2 * SZ_1M, 0, PHYS_CONT, 0, &a, NULL, 0), 0);
    expect_block(a, 0, CONT_BASE, 2 * SZ_1M);
    phys_target_destroy(t);   /* frees the live objects too (checked under ASan) */
}

static void test_no_contiguous_pool(void **state)
{
    struct phys_target *t = make_target(0, 0, 0, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL;
    uint32_t pa;

    (void)state;
    assert_int_equal(phys_cont_alloc(t, 0x400, 0, &pa), -ENOMEM);
    assert_int_equal(phys_alloc(t, SZ_4K, 0, PHYS_CONT, 0, &a, NULL, 0), -ENOMEM);
    phys_target_destroy(t);
    phys_target_destroy(NULL);
}

/*
 * A live allocation whose block list was altered by its holder no longer describes
 * what the pools handed out: phys_free refuses it and changes nothing; restored, it
 * frees.
 */
static void test_altered_allocation_refused(void **state)
{
    struct phys_target *t = make_target(0, 0, SZ_1M, PHYS_CONT_FIRST_FIT);
    struct phys_alloc *a = NULL, *c = NULL;

    (void)state;
    assert_int_equal(phys_alloc(t, SZ_1M, PHYS_SZ_1M, 0, 0, &a, NULL, 0), 0);
    expect_block(a, 0, POOL1M, SZ_1M);
    expect_free(t, 2, 15, 128, 2048);

    a->blocks[0].size = SZ_64K;                         /* not the 1M pool's size */
    assert_int_equal(phys_free(t, a), -EINVAL);
    a->blocks[0].size = SZ_1M;
    a->blocks[0].pa = POOL1M + 0x800;                   /* not on a block boundary */
    assert_int_equal(phys_free(t, a), -EINVAL);
    a->blocks[0].pa = POOL1M + SZ_1M;                   /* a block nobody holds */
    assert_int_equal(phys_free(t, a), -EINVAL);
    a->blocks[0].pa = POOL1M;
    a->blocks[0].pool = 9;                              /* no such pool */
    assert_int_equal(phys_free(t, a), -EINVAL);
    a->blocks[0].pool = PHYS_POOL_1M;
    expect_free(t, 2, 15, 128, 2048);

    /* Contiguous: 64K at CONT_BASE; the recorded size must be the range's. */
    assert_int_equal(phys_alloc(t, SZ_64K, 0, PHYS_CONT, 0, &c, NULL, 0), 0);
    expect_block(c, 0, CONT_BASE, SZ_64K);
    c->blocks[0].size = SZ_4K;
    assert_int_equal(phys_free(t, c), -EINVAL);
    assert_true(phys_is_allocated(t, CONT_BASE, SZ_64K));
    c->blocks[0].size = SZ_64K;

    assert_int_equal(phys_free(t, a), 0);
    assert_int_equal(phys_free(t, c), 0);
    expect_free(t, 2, 16, 128, 2048);
    assert_false(phys_is_allocated(t, CONT_BASE, SZ_4K));
    phys_target_destroy(t);
}

static void test_null_target_and_limits(void **state)
{
    struct phys_target *t = make_target(0, 0, SZ_1M, PHYS_CONT_FIRST_FIT);
    struct phys_target_stats st;
    struct phys_target_cfg cfg;
    struct phys_alloc *a = NULL;
    char err[256] = "";
    uint32_t lo, hi;

    (void)state;
    assert_int_equal(phys_alloc(NULL, SZ_4K, PHYS_SZ_4K, 0, 0, &a, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "phys_alloc: no target or no result pointer given");
    assert_int_equal(phys_alloc(t, SZ_4K, PHYS_SZ_4K, 0, 0, NULL, NULL, 0), -EINVAL);
    assert_int_equal(phys_alloc(t, 0xFFFFF001ull, 0, PHYS_CONT, 0, &a, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "phys_alloc PHYS_CONT len 0xfffff001: must be <= 0xfffff000");
    assert_int_equal(phys_cont_free(NULL, CONT_BASE), -EINVAL);
    assert_false(phys_is_allocated(NULL, CONT_BASE, SZ_4K));
    assert_false(phys_is_allocated(t, CONT_BASE, 0));
    memset(&st, 0xFF, sizeof(st));
    phys_target_stats(NULL, &st);
    assert_int_equal(st.live_allocs, 0);
    assert_int_equal(st.cont.size, 0);
    assert_int_equal(st.pool[PHYS_POOL_4K].total, 0);

    /*
     * A contiguous range cut from the top end of a free range: after 1K at CONT_BASE,
     * 0xF0000 bytes at 64K alignment go at CONT_BASE + 0x10000 and end at the pool's
     * end; [CONT_BASE + 0x400, CONT_BASE + 0x10000) is the only free range left.
     */
    assert_int_equal(phys_cont_alloc(t, 0x400, 0, &lo), 0);
    assert_int_equal(lo, CONT_BASE);
    assert_int_equal(phys_cont_alloc(t, 0xF0000u, SZ_64K, &hi), 0);
    assert_int_equal(hi, CONT_BASE + SZ_64K);
    phys_target_stats(t, &st);
    assert_int_equal(st.cont.free_ranges, 1);
    assert_int_equal(st.cont.free_bytes, SZ_64K - 0x400);
    assert_int_equal(st.cont.largest_free, SZ_64K - 0x400);
    phys_target_destroy(t);

    /* A contiguous region must end at or below 4 GiB. */
    phys_target_cfg_default(&cfg, BASE, SZ_64M);
    cfg.cont_base = 0xFFF00000u;
    cfg.cont_size = 2 * SZ_1M;
    assert_int_equal(phys_target_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "phys target cont_base 0xfff00000 cont_size 0x200000: "
                             "cont_base + cont_size must be <= 0x100000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_default_shares),
        cmocka_unit_test(test_custom_shares_layout),
        cmocka_unit_test(test_5m4k_all_sizes),
        cmocka_unit_test(test_5m4k_restricted_sizes),
        cmocka_unit_test(test_16m_blocks_first),
        cmocka_unit_test(test_fallback_when_1m_exhausted),
        cmocka_unit_test(test_tail_uses_larger_block_when_small_pool_empty),
        cmocka_unit_test(test_sub_page_tail_rounds_up),
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_free_misuse),
        cmocka_unit_test(test_alloc_bad_arguments),
        cmocka_unit_test(test_config_checks),
        cmocka_unit_test(test_fragmentation_counts_and_pattern),
        cmocka_unit_test(test_fragmentation_rounding),
        cmocka_unit_test(test_fragmented_blocks_cannot_be_freed),
        cmocka_unit_test(test_cont_alignment_and_merge),
        cmocka_unit_test(test_cont_first_fit_vs_best_fit),
        cmocka_unit_test(test_phys_cont_allocation_object),
        cmocka_unit_test(test_no_contiguous_pool),
        cmocka_unit_test(test_altered_allocation_refused),
        cmocka_unit_test(test_null_target_and_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
