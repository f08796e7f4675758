/*
 * test_iova.c - the IOVA allocator of a VCM address space: the default alignment
 * rule, lowest-address fit, guard pages, holes, fixed allocations, exhaustion,
 * reuse after free, misuse, and a long random sequence checked against a naive
 * page-by-page model of the same rules. Expected addresses are worked out by hand
 * in the comments from the rules in vcm/iova.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>

#include "vcm/iova.h"

#define SZ_4K  0x1000u
#define SZ_8K  0x2000u
#define SZ_64K 0x10000u
#define SZ_1M  0x100000u
#define SZ_16M 0x1000000u

static struct iova_space *make_space(uint64_t start, uint64_t len)
{
    char err[256] = "";
    struct iova_space *s = iova_create(start, len, err, sizeof(err));

    if (!s)
        print_error("iova_create: %s\n", err);
    assert_non_null(s);
    return s;
}

static uint32_t must_alloc(struct iova_space *s, uint64_t len, uint64_t align, unsigned flags)
{
    char err[256] = "";
    uint32_t a = 0;
    int ret = iova_alloc(s, len, align, flags, &a, err, sizeof(err));

    if (ret)
        print_error("iova_alloc: %s\n", err);
    assert_int_equal(ret, 0);
    return a;
}

static void test_default_align_rule(void **state)
{
    (void)state;
    /* < 64K -> 4K; [64K, 1M) -> 64K; >= 1M -> 1M (16M too: the rule stops at 1M). */
    assert_int_equal(iova_default_align(1), SZ_4K);
    assert_int_equal(iova_default_align(SZ_4K), SZ_4K);
    assert_int_equal(iova_default_align(SZ_64K - 1), SZ_4K);
    assert_int_equal(iova_default_align(SZ_64K), SZ_64K);
    assert_int_equal(iova_default_align(SZ_1M - 1), SZ_64K);
    assert_int_equal(iova_default_align(SZ_1M), SZ_1M);
    assert_int_equal(iova_default_align(SZ_16M), SZ_1M);
}

static void test_lowest_fit_and_alignment(void **state)
{
    struct iova_space *s = make_space(SZ_1M, SZ_16M);   /* [0x100000, 0x1100000) */
    struct iova_stats st;

    (void)state;
    /* 4K, default 4K alignment: the bottom, 0x100000. */
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x100000u);
    /* 64K: 64K alignment; 0x101000 rounds up to 0x110000. */
    assert_int_equal(must_alloc(s, SZ_64K, 0, 0), 0x110000u);
    /* 1M: 1M alignment; 0x120000 rounds up to 0x200000. */
    assert_int_equal(must_alloc(s, SZ_1M, 0, 0), 0x200000u);
    /* 4K again: the lowest fit is the gap [0x101000, 0x110000) left by alignment. */
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x101000u);
    /* 100 bytes rounds to one page: next in that gap, 0x102000. */
    assert_int_equal(must_alloc(s, 100, 0, 0), 0x102000u);
    /* An explicit alignment wins over the rule: 4K at 1M alignment -> 0x300000. */
    assert_int_equal(must_alloc(s, SZ_4K, SZ_1M, 0), 0x300000u);
    /*
     * 1M with only 4K alignment asked. Free ranges: [0x103000, 0x110000) is 52K,
     * [0x120000, 0x200000) is 896K, both too small; [0x301000, 0x1100000) fits:
     * 0x301000, right after the 4K at 0x300000.
     */
    assert_int_equal(must_alloc(s, SZ_1M, SZ_4K, 0), 0x301000u);

    iova_stats(s, &st);
    assert_int_equal(st.live, 7);
    /* 16M - (4K + 64K + 1M + 4K + 4K + 4K + 1M) */
    assert_int_equal(st.free_bytes, SZ_16M - (4 * SZ_4K + SZ_64K + 2 * SZ_1M));
    /* Free ranges: [0x103000, 0x110000), [0x120000, 0x200000), [0x401000, 0x1100000). */
    assert_int_equal(st.free_ranges, 3);
    assert_int_equal(st.largest_free, 0x1100000u - 0x401000u);
    iova_destroy(s);
}

static void test_guard_pages(void **state)
{
    struct iova_space *s = make_space(SZ_1M, SZ_1M);    /* [0x100000, 0x200000) */
    uint32_t start = 0, a;
    uint64_t len = 0;

    (void)state;
    /* Each guarded 4K allocation spans 8K: 0x100000, then 0x102000, then 8K+guard at 0x104000. */
    assert_int_equal(must_alloc(s, SZ_4K, 0, IOVA_GUARD), 0x100000u);
    assert_int_equal(must_alloc(s, SZ_4K, 0, IOVA_GUARD), 0x102000u);
    assert_int_equal(must_alloc(s, SZ_8K, 0, IOVA_GUARD), 0x104000u);
    /* Unguarded next: after 0x104000 + 8K + 4K guard = 0x107000. */
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x107000u);

    /* The guard page belongs to no allocation; the last byte before it does. */
    assert_int_equal(iova_lookup(s, 0x101000u, &start, &len), -ENOENT);
    assert_int_equal(iova_lookup(s, 0x100FFFu, &start, &len), 0);
    assert_int_equal(start, 0x100000u);
    assert_int_equal(len, SZ_4K);
    assert_int_equal(iova_lookup(s, 0x105800u, &start, &len), 0);
    assert_int_equal(start, 0x104000u);
    assert_int_equal(len, SZ_8K);

    /* Freeing the second returns its page and its guard: two 4K fit at 0x102000, 0x103000. */
    assert_int_equal(iova_free(s, 0x102000u), 0);
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x102000u);
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x103000u);
    /* Now the lowest free page is 0x108000. */
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x108000u);
    iova_destroy(s);

    /* The guard must fit inside the space: an 8K space takes 4K+guard, not 8K+guard. */
    s = make_space(0x10000000u, SZ_8K);
    assert_int_equal(iova_alloc(s, SZ_8K, 0, IOVA_GUARD, &a, NULL, 0), -ENOMEM);
    assert_int_equal(must_alloc(s, SZ_4K, 0, IOVA_GUARD), 0x10000000u);
    assert_int_equal(iova_alloc(s, SZ_4K, 0, 0, &a, NULL, 0), -ENOMEM);  /* guard page held */
    iova_destroy(s);
}

static void test_holes(void **state)
{
    struct iova_space *s = make_space(0xFE000000u, SZ_16M);  /* [0xFE000000, 0xFF000000) */
    struct iova_stats st;
    char err[256] = "";
    uint32_t a;

    (void)state;
    /* The interrupt range of the VT-d notes, 0xFEE00000-0xFEEFFFFF, is never allocated. */
    assert_int_equal(iova_reserve_hole(s, 0xFEE00000u, SZ_1M, err, sizeof(err)), 0);
    iova_stats(s, &st);
    assert_int_equal(st.free_bytes, 15 * SZ_1M);
    assert_int_equal(st.hole_bytes, SZ_1M);
    assert_int_equal(st.largest_free, 14 * SZ_1M);

    /* 15M free in all, but the largest range is 14M: 15M does not fit. */
    assert_int_equal(iova_alloc(s, 15 * SZ_1M, 0, 0, &a, err, sizeof(err)), -ENOMEM);
    assert_non_null(strstr(err, "largest free range 0xe00000"));
    /* 14M fits exactly below the hole; 1M goes above it at 0xFEF00000. */
    assert_int_equal(must_alloc(s, 14 * SZ_1M, 0, 0), 0xFE000000u);
    assert_int_equal(must_alloc(s, SZ_1M, 0, 0), 0xFEF00000u);
    /* Exhausted: not even 4K is left. */
    assert_int_equal(iova_alloc(s, SZ_4K, 0, 0, &a, NULL, 0), -ENOMEM);
    iova_stats(s, &st);
    assert_int_equal(st.free_bytes, 0);
    assert_int_equal(st.failures, 2);
    assert_int_equal(st.allocs, 2);

    /* Hole misuse: over an allocation, over a hole, outside the space, empty. */
    assert_int_equal(iova_reserve_hole(s, 0xFE000000u, SZ_4K, NULL, 0), -EBUSY);
    assert_int_equal(iova_reserve_hole(s, 0xFEE80000u, SZ_4K, NULL, 0), -EBUSY);
    assert_int_equal(iova_reserve_hole(s, 0xFF000000u, SZ_4K, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "inside the space"));
    assert_int_equal(iova_reserve_hole(s, 0xFEFFF000u, SZ_8K, NULL, 0), -EINVAL);
    assert_int_equal(iova_reserve_hole(s, 0xFE000000u, 0, NULL, 0), -EINVAL);

    /* Freeing the 1M next to the hole does not merge it with the hole. */
    assert_int_equal(iova_free(s, 0xFEF00000u), 0);
    iova_stats(s, &st);
    assert_int_equal(st.free_ranges, 1);
    assert_int_equal(st.free_bytes, SZ_1M);
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0xFEF00000u);
    iova_destroy(s);
}

static void test_hole_splits_range(void **state)
{
    struct iova_space *s = make_space(0, SZ_1M);
    struct iova_stats st;

    (void)state;
    /* A 4K hole at 0x8000 leaves [0, 0x8000) and [0x9000, 0x100000). */
    assert_int_equal(iova_reserve_hole(s, 0x8000u, SZ_4K, NULL, 0), 0);
    iova_stats(s, &st);
    assert_int_equal(st.free_ranges, 2);
    /* 64K aligned to 64K: 0 (fits below? [0, 0x8000) is 32K: no) -> 0x10000. */
    assert_int_equal(must_alloc(s, SZ_64K, 0, 0), 0x10000u);
    /* 32K at 4K alignment: [0, 0x8000) exactly. */
    assert_int_equal(must_alloc(s, 0x8000u, 0, 0), 0);
    /* 8K: 0x9000 (just above the hole). */
    assert_int_equal(must_alloc(s, SZ_8K, 0, 0), 0x9000u);
    iova_destroy(s);
}

static void test_unaligned_space_start(void **state)
{
    /* The RFC's vcm_create(SZ_1K, SZ_16M): [0x400, 0x1000400). */
    struct iova_space *s = make_space(0x400, SZ_16M);
    uint32_t a;

    (void)state;
    /* Allocations stay on 4K boundaries: 0x1000 first. */
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x1000u);
    /* 1M at 1M: 0x100000. */
    assert_int_equal(must_alloc(s, SZ_1M, 0, 0), 0x100000u);
    /* The top 1M boundary below 0x1000400 with room for 1M is 0xF00000: 14 more
     * 1M allocations fill 0x200000..0xFFFFFF; then 1M no longer fits. */
    for (int k = 0; k < 14; k++)
        assert_int_equal(must_alloc(s, SZ_1M, 0, 0), 0x200000u + (uint32_t)k * SZ_1M);
    assert_int_equal(iova_alloc(s, SZ_1M, 0, 0, &a, NULL, 0), -ENOMEM);
    /* [0x1000000, 0x1000400) is 1K: not even a page. 4K goes to 0x2000. */
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x2000u);
    iova_destroy(s);
}

static void test_top_of_32bit_space(void **state)
{
    struct iova_space *s;
    char err[256] = "";
    uint32_t a;

    (void)state;
    s = make_space(0xFFF00000u, SZ_1M);     /* ends exactly at 2^32 */
    assert_int_equal(must_alloc(s, SZ_1M, 0, 0), 0xFFF00000u);
    assert_int_equal(iova_alloc(s, SZ_4K, 0, 0, &a, NULL, 0), -ENOMEM);
    assert_int_equal(iova_free(s, 0xFFF00000u), 0);
    /* 1M - 4K with a guard: spans exactly 1M, up to 2^32. */
    assert_int_equal(must_alloc(s, SZ_1M - SZ_4K, SZ_4K, IOVA_GUARD), 0xFFF00000u);
    iova_destroy(s);

    /* The whole 4 GiB. */
    s = make_space(0, 1ull << 32);
    assert_int_equal(must_alloc(s, 1ull << 31, 1ull << 31, 0), 0);
    assert_int_equal(must_alloc(s, 1ull << 31, 0, 0), 0x80000000u);
    iova_destroy(s);

    assert_null(iova_create(0xFFF00000u, SZ_1M + 1, err, sizeof(err)));
    assert_non_null(strstr(err, "0x100000000"));
    assert_null(iova_create(0, 0, NULL, 0));
    assert_null(iova_create(1ull << 32, SZ_4K, NULL, 0));
}

static void test_free_reuse_and_misuse(void **state)
{
    struct iova_space *s = make_space(SZ_1M, SZ_1M);
    struct iova_stats st;
    char err[256] = "";
    uint32_t a;

    (void)state;
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x100000u);
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x101000u);
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x102000u);
    /* Free the middle one and the lowest; the next allocation reuses the lowest. */
    assert_int_equal(iova_free(s, 0x101000u), 0);
    assert_int_equal(iova_free(s, 0x100000u), 0);
    assert_int_equal(must_alloc(s, SZ_4K, 0, 0), 0x100000u);
    /* The hole left at 0x101000 is 4K: 8K goes above the live 0x102000, to 0x103000. */
    assert_int_equal(must_alloc(s, SZ_8K, 0, 0), 0x103000u);

    /* Misuse: double free, unknown address, inside an allocation. */
    assert_int_equal(iova_free(s, 0x101000u), -EINVAL);
    assert_int_equal(iova_free(s, 0x500000u), -EINVAL);
    assert_int_equal(iova_free(s, 0x104000u), -EINVAL);     /* inside the 8K at 0x103000 */
    iova_stats(s, &st);
    assert_int_equal(st.live, 3);
    assert_int_equal(st.frees, 2);

    /* Bad arguments. */
    assert_int_equal(iova_alloc(s, 0, 0, 0, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "len"));
    assert_int_equal(iova_alloc(s, SZ_4K, 0x3000, 0, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "align"));
    assert_int_equal(iova_alloc(s, SZ_4K, 0x800, 0, &a, NULL, 0), -EINVAL);   /* < 4K */
    assert_int_equal(iova_alloc(s, SZ_4K, 1ull << 32, 0, &a, NULL, 0), -EINVAL);
    assert_int_equal(iova_alloc(s, SZ_4K, 0, 0x2, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "flags"));
    assert_int_equal(iova_alloc(s, SZ_4K, 0, 0, NULL, NULL, 0), -EINVAL);
    assert_int_equal(iova_alloc(NULL, SZ_4K, 0, 0, &a, NULL, 0), -EINVAL);
    assert_int_equal(iova_free(NULL, 0), -EINVAL);
    iova_stats(s, &st);
    assert_int_equal(st.live, 3);
    assert_int_equal(st.failures, 0);
    iova_destroy(s);
    iova_destroy(NULL);
}

static void test_fixed_allocations(void **state)
{
    struct iova_space *s = make_space(0, SZ_16M);
    char err[256] = "";

    (void)state;
    /* A firmware region at 0x20000 (128K, like VIDEO_FIRMWARE_POOL's start). */
    assert_int_equal(iova_alloc_fixed(s, 0x20000u, SZ_1M, 0, err, sizeof(err)), 0);
    /* Overlaps: the first and the last page of it, and a guarded span reaching it. */
    assert_int_equal(iova_alloc_fixed(s, 0x20000u, SZ_4K, 0, err, sizeof(err)), -EBUSY);
    assert_non_null(strstr(err, "overlaps"));
    assert_int_equal(iova_alloc_fixed(s, 0x11F000u, SZ_4K, 0, NULL, 0), -EBUSY);
    assert_int_equal(iova_alloc_fixed(s, 0x1F000u, SZ_4K, IOVA_GUARD, NULL, 0), -EBUSY);
    /* Right below it without a guard is fine. */
    assert_int_equal(iova_alloc_fixed(s, 0x1F000u, SZ_4K, 0, NULL, 0), 0);
    /* Bad: unaligned, outside. */
    assert_int_equal(iova_alloc_fixed(s, 0x1800u, SZ_4K, 0, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "aligned"));
    assert_int_equal(iova_alloc_fixed(s, SZ_16M - SZ_4K, SZ_8K, 0, NULL, 0), -EINVAL);
    /* Dynamic allocations go around it: 64K at 64K alignment below 0x20000 -> 0. */
    assert_int_equal(must_alloc(s, SZ_64K, 0, 0), 0);
    /* Next 64K: 0x10000 + 64K = 0x20000 passes the free end 0x1F000, so the first
     * fit is after the firmware region: 0x120000. */
    assert_int_equal(must_alloc(s, SZ_64K, 0, 0), 0x120000u);
    assert_int_equal(iova_free(s, 0x20000u), 0);
    assert_int_equal(must_alloc(s, SZ_64K, 0, 0), 0x20000u);
    iova_destroy(s);
}

static void test_many_reservations_fragment(void **state)
{
    struct iova_space *s = make_space(0, SZ_16M);    /* 4096 pages */
    struct iova_stats st;
    uint32_t a;
    unsigned k;

    (void)state;
    for (k = 0; k < 4096; k++)
        assert_int_equal(must_alloc(s, SZ_4K, 0, 0), k * SZ_4K);
    assert_int_equal(iova_alloc(s, SZ_4K, 0, 0, &a, NULL, 0), -ENOMEM);
    /* Free every other page: 2048 separate 4K ranges, 8M free, no 8K range. */
    for (k = 0; k < 4096; k += 2)
        assert_int_equal(iova_free(s, k * SZ_4K), 0);
    iova_stats(s, &st);
    assert_int_equal(st.free_ranges, 2048);
    assert_int_equal(st.free_bytes, 8 * SZ_1M);
    assert_int_equal(st.largest_free, SZ_4K);
    assert_int_equal(iova_alloc(s, SZ_8K, 0, 0, &a, NULL, 0), -ENOMEM);
    /* Free the rest: one range again. */
    for (k = 1; k < 4096; k += 2)
        assert_int_equal(iova_free(s, k * SZ_4K), 0);
    iova_stats(s, &st);
    assert_int_equal(st.free_ranges, 1);
    assert_int_equal(st.free_bytes, SZ_16M);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.allocs, 4096);
    assert_int_equal(st.frees, 4096);
    iova_destroy(s);
}

/*
 * Naive model of the same rules, one flag per 4K page: an allocation scans every
 * aligned candidate from the bottom and takes the first whose pages (guard
 * included) are all free. It shares no code or data structure with iova.c.
 */
#define MODEL_BASE  0x40000000u
#define MODEL_PAGES 1024u
struct model {
    uint8_t busy[MODEL_PAGES];          /* 0 free, 1 allocation or guard, 2 hole */
    uint32_t start[MODEL_PAGES];        /* for the first page of an allocation: its span in pages + 1 */
};

static int64_t model_alloc(struct model *m, uint32_t pages, uint32_t align_pages, bool guard)
{
    uint32_t span = pages + (guard ? 1 : 0);

    for (uint32_t p = 0; p + span <= MODEL_PAGES; p += align_pages) {
        uint32_t q;

        for (q = 0; q < span && !m->busy[p + q]; q++)
            ;
        if (q < span)
            continue;
        for (q = 0; q < span; q++)
            m->busy[p + q] = 1;
        m->start[p] = span + 1;
        return p;
    }
    return -1;
}

static uint64_t rng_next(uint64_t *x)
{
    /* xorshift64: the test's own stream of operations */
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_random_against_model(void **state)
{
    static struct model m;
    struct iova_space *s = make_space(MODEL_BASE, (uint64_t)MODEL_PAGES * SZ_4K);
    uint32_t live[MODEL_PAGES];
    uint32_t nlive = 0, nfail = 0, nok = 0;
    uint64_t x = 0x123456789abcdefull;
    int i;

    (void)state;
    memset(&m, 0, sizeof(m));
    /* Holes at pages 100..103 and 700. */
    assert_int_equal(iova_reserve_hole(s, MODEL_BASE + 100 * SZ_4K, 4 * SZ_4K, NULL, 0), 0);
    assert_int_equal(iova_reserve_hole(s, MODEL_BASE + 700 * SZ_4K, SZ_4K, NULL, 0), 0);
    memset(&m.busy[100], 2, 4);
    m.busy[700] = 2;

    for (i = 0; i < 20000; i++) {
        uint64_t r = rng_next(&x);

        if (nlive && (r % 100) < 45) {
            uint32_t k = (uint32_t)(rng_next(&x) % nlive);
            uint32_t p = (live[k] - MODEL_BASE) / SZ_4K;

            assert_int_equal(iova_free(s, live[k]), 0);
            for (uint32_t q = 0; q + 1 < m.start[p]; q++)
                m.busy[p + q] = 0;
            m.start[p] = 0;
            live[k] = live[--nlive];
        } else {
            static const uint32_t lens[] = { 1, 0x1000, 0x1800, 0x3000, 0x10000, 0x18000,
                                             0x40000 };
            static const uint32_t aligns[] = { 0, 0x1000, 0x4000, 0x10000 };
            uint32_t len = lens[rng_next(&x) % 7];
            uint32_t align = aligns[rng_next(&x) % 4];
            bool guard = rng_next(&x) & 1;
            uint32_t eff = align ? align : (uint32_t)iova_default_align(len);
            /* MODEL_BASE is 1M aligned, so alignment in pages is relative to the model's base. */
            int64_t want = model_alloc(&m, (len + SZ_4K - 1) / SZ_4K, eff / SZ_4K, guard);
            uint32_t a = 0;
            int ret = iova_alloc(s, len, align, guard ? IOVA_GUARD : 0, &a, NULL, 0);

            if (want < 0) {
                assert_int_equal(ret, -ENOMEM);
                nfail++;
            } else {
                assert_int_equal(ret, 0);
                assert_int_equal(a, MODEL_BASE + (uint32_t)want * SZ_4K);
                live[nlive++] = a;
                nok++;
            }
        }
    }
    /* The sequence must exercise both outcomes to mean anything. */
    assert_true(nok > 1000);
    assert_true(nfail > 100);
    iova_destroy(s);
}

/* Holes given in descending order, lookups around allocations, NULL spaces. */
static void test_holes_out_of_order_and_lookups(void **state)
{
    struct iova_space *s = make_space(0, SZ_1M);
    struct iova_stats st;
    char err[256] = "";
    uint32_t start = 0;
    uint64_t len = 0;

    (void)state;
    /* The higher hole first, then the lower one: both stay out of every allocation. */
    assert_int_equal(iova_reserve_hole(s, 0x80000u, SZ_4K, NULL, 0), 0);
    assert_int_equal(iova_reserve_hole(s, 0x20000u, SZ_4K, NULL, 0), 0);
    iova_stats(s, &st);
    assert_int_equal(st.hole_bytes, 2 * SZ_4K);
    assert_int_equal(st.free_ranges, 3);
    /* 64K at 64K alignment: 0, 0x10000, then 0x20000 is blocked by the low hole ->
     * 0x30000 (the first 64K boundary after 0x21000). */
    assert_int_equal(must_alloc(s, SZ_64K, 0, 0), 0);
    assert_int_equal(must_alloc(s, SZ_64K, 0, 0), 0x10000u);
    assert_int_equal(must_alloc(s, SZ_64K, 0, 0), 0x30000u);
    /* The low hole cannot be taken twice, even partly. */
    assert_int_equal(iova_reserve_hole(s, 0x20000u, SZ_8K, NULL, 0), -EBUSY);

    /* Lookups: inside, at the last byte, just past the end, below the first. */
    iova_destroy(s);
    s = make_space(0, SZ_1M);
    assert_int_equal(iova_alloc_fixed(s, 0x10000u, 0x1800u, 0, NULL, 0), 0);
    assert_int_equal(iova_lookup(s, 0x10800u, &start, &len), 0);
    assert_int_equal(start, 0x10000u);
    assert_int_equal(len, SZ_8K);                       /* 0x1800 rounded up to 4K */
    assert_int_equal(iova_lookup(s, 0x11FFFu, NULL, NULL), 0);
    assert_int_equal(iova_lookup(s, 0x12000u, &start, &len), -ENOENT);
    assert_int_equal(iova_lookup(s, 0x5000u, &start, &len), -ENOENT);
    assert_int_equal(iova_lookup(NULL, 0x10000u, &start, &len), -EINVAL);

    /* Fixed allocations check length and flags like dynamic ones. */
    assert_int_equal(iova_alloc_fixed(s, 0x40000u, 0, 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "iova len 0x0: must be in [1, 0x100000000]");
    assert_int_equal(iova_alloc_fixed(s, 0x40000u, SZ_4K, 0x2, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "iova flags 0x2: only IOVA_GUARD (0x1) is defined");

    /* NULL spaces: refused, and statistics of nothing are zero. */
    assert_int_equal(iova_reserve_hole(NULL, 0, SZ_4K, NULL, 0), -EINVAL);
    assert_int_equal(iova_alloc_fixed(NULL, 0, SZ_4K, 0, NULL, 0), -EINVAL);
    memset(&st, 0xFF, sizeof(st));
    iova_stats(NULL, &st);
    assert_int_equal(st.len, 0);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.allocs, 0);
    iova_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_align_rule),
        cmocka_unit_test(test_lowest_fit_and_alignment),
        cmocka_unit_test(test_guard_pages),
        cmocka_unit_test(test_holes),
        cmocka_unit_test(test_hole_splits_range),
        cmocka_unit_test(test_unaligned_space_start),
        cmocka_unit_test(test_top_of_32bit_space),
        cmocka_unit_test(test_free_reuse_and_misuse),
        cmocka_unit_test(test_fixed_allocations),
        cmocka_unit_test(test_many_reservations_fragment),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_holes_out_of_order_and_lookups),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
