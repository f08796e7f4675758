/*
 * test_smmu_driver.c - the SMMU driver (vcm/smmu_driver.c) against hand-derived
 * descriptor words, then against the SMMU model (models/smmu.c) and its walker:
 * bring-up registers read back through MMIO, V2P and functional accesses for each
 * page size, MID routing, TLB invalidation on unmap, the fault ISR (no hook, retry,
 * terminate, retry limit), the fault log, split tables and the MSM8960 tree.
 *
 * Descriptor values are worked out from the ARMv7 short-descriptor format (bit
 * positions in the comments), never from the driver's own helpers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/physmem.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "models/tlb.h"
#include "sim/core/kernel.h"
#include "tests/lib/mem_fake.h"
#include "vcm/msm8960.h"
#include "vcm/smmu_driver.h"

/* ---- A page-table allocator for the tests: a bump pointer that records frees ---- */

#define PT_BASE     0x10000000u     /* first table: the L1 table of the first context */
#define PT_LIMIT    0x10100000u

struct test_alloc {
    uint32_t next;
    unsigned allocs, frees;
    uint32_t last_free_pa, last_free_size;
    unsigned fail_after;            /* allocations that succeed before failures; ~0u: none */
};

static uint32_t ta_alloc(void *arg, uint32_t size, uint32_t align)
{
    struct test_alloc *a = arg;

    if (a->allocs >= a->fail_after)
        return 0;
    uint32_t pa = (a->next + align - 1) & ~(align - 1);
    if (pa + size > PT_LIMIT)
        return 0;
    a->next = pa + size;
    a->allocs++;
    return pa;
}

static void ta_free(void *arg, uint32_t pa, uint32_t size)
{
    struct test_alloc *a = arg;

    a->frees++;
    a->last_free_pa = pa;
    a->last_free_size = size;
}

struct fx {
    struct physmem *pm;
    struct test_alloc ta;
    struct smmu_pt_allocator pt;
    struct smmu *hw;
    struct smmu_tree *tree;
    struct smmu_dev *dev;           /* vcodec_a_mm1: bank 1, MIDs 0, 1, 6..15 */
};

static void fx_init_alloc(struct fx *f)
{
    f->pm = physmem_new();
    assert_non_null(f->pm);
    f->ta.next = PT_BASE;
    f->ta.fail_after = ~0u;
    f->pt.pm = f->pm;
    f->pt.alloc = ta_alloc;
    f->pt.free = ta_free;
    f->pt.arg = &f->ta;
}

static struct smmu *new_hw(struct physmem *pm, const struct smmu_desc *d)
{
    struct smmu_config cfg = {
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000u,
        .tlb_lookup_cycles = 1,
        .walk_overhead_cycles = 0,
        .max_walks = 4,
        .hit_under_miss = true,
    };
    smmu_desc_fill_config(d, &cfg);
    return smmu_new(&cfg, pm, NULL, NULL);
}

/* A context with no SMMU: page-table tests only. */
static int setup_pt(void **state)
{
    static struct fx f;

    memset(&f, 0, sizeof(f));
    fx_init_alloc(&f);
    f.dev = smmu_ctx_init(1, &f.pt);
    assert_non_null(f.dev);
    *state = &f;
    return 0;
}

/* One SMMU (vcodec_a from the MSM8960 table) and its vcodec_a_mm1 context. */
static int setup_hw(void **state)
{
    static struct fx f;
    char err[160];

    memset(&f, 0, sizeof(f));
    fx_init_alloc(&f);
    f.hw = new_hw(f.pm, &msm8960_smmus[MSM8960_SMMU_VCODEC_A]);
    assert_non_null(f.hw);
    f.tree = smmu_tree_new(&msm8960_smmus[MSM8960_SMMU_VCODEC_A], 1, &f.hw, &f.pt,
                           err, sizeof(err));
    assert_non_null(f.tree);
    /* These tests pin down the lazy profile's register sequences; the kernels'
     * profiles have their own tests (test_driver_profiles.c). */
    assert_int_equal(smmu_tree_set_profile(f.tree, &smmu_profile_lazy, NULL, -1), 0);
    f.dev = smmu_get_ctx_instance(f.tree, "vcodec_a_mm1");
    assert_non_null(f.dev);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    if (f->tree)
        smmu_tree_free(f->tree);
    else if (f->dev)
        smmu_ctx_deinit(f->dev);
    smmu_free(f->hw);
    physmem_free(f->pm);
    return 0;
}

static uint32_t rd(const struct fx *f, uint32_t pa) { return physmem_read32(f->pm, pa); }

/* The first allocation is the 16 KiB L1 table at PT_BASE, the next the first L2 table
 * at PT_BASE + 16 KiB (1 KiB aligned after it). */
#define L1      PT_BASE
#define L2_0    (PT_BASE + 0x4000u)
#define L2_1    (PT_BASE + 0x4400u)

/* ---- Descriptors ------------------------------------------------------------------ */

/*
 * Tearing a context down frees every L2 table its L1 table points to, wherever the
 * entry sits: L1 entries 0, 255 and 256 (either side of a boundary of the 1 KiB
 * chunks the teardown reads the table in) and 4095 (the last), and nothing for a
 * section: five allocations (the L1 table and four L2 tables), five frees, the L1
 * table last.
 */
static void test_teardown_frees_every_l2(void **state)
{
    struct fx *f = *state;
    static const uint32_t va[] = { 0x00000000u, 0x0FF00000u, 0x10000000u, 0xFFF00000u };

    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(smmu_map(f->dev, 0x80001000u + 0x1000u * i, va[i] + 0x5000u, SZ_4K,
                                  SMMU_ATTR_READ | SMMU_ATTR_WRITE), 0);
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x20000000u, SZ_1M, SMMU_ATTR_READ), 0);
    assert_int_equal(smmu_dev_stats(f->dev)->l2_tables, 4);
    assert_int_equal(f->ta.allocs, 5);
    assert_int_equal(f->ta.frees, 0);
    smmu_ctx_deinit(f->dev);
    f->dev = NULL;
    assert_int_equal(f->ta.frees, 5);
    assert_int_equal(f->ta.last_free_pa, L1);
    assert_int_equal(f->ta.last_free_size, 16384);
}

static void test_map_4k_descriptor(void **state)
{
    struct fx *f = *state;

    assert_int_equal(smmu_dev_ttbr0(f->dev), L1);
    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00042000u, SZ_4K,
                              SMMU_ATTR_READ | SMMU_ATTR_WRITE), 0);
    /* L1[0] (VA[31:20] = 0): table at L2_0 | NS (bit 3) | type 0b01 = L2_0 | 0x9 */
    assert_int_equal(rd(f, L1 + 0), L2_0 | 0x9u);
    /* L2 index VA[19:12] = 0x42 -> L2_0 + 0x108. Small page: base 0x80001000 |
     * nG (bit 11) 0x800 | AP1 (bit 5, user allowed: no PRIV) 0x20 | AP0 (bit 4) 0x10 |
     * type 0b1x 0x2 | XN (bit 0) 0x1 (writable: AP2 clear) = 0x80001833 */
    assert_int_equal(rd(f, L2_0 + 0x108u), 0x80001833u);
    assert_int_equal(rd(f, L2_0 + 0x104u), 0);
    assert_int_equal(rd(f, L2_0 + 0x10Cu), 0);
    assert_int_equal(smmu_dev_stats(f->dev)->l2_tables, 1);
    assert_int_equal(f->ta.allocs, 2);  /* L1 + one L2 */
}

static void test_map_64k_descriptor(void **state)
{
    struct fx *f = *state;

    assert_int_equal(smmu_map(f->dev, 0x80010000u, 0x00050000u, SZ_64K,
                              SMMU_ATTR_READ | SMMU_ATTR_USER), 0);
    /* Large page: base 0x80010000 | XN (bit 15) 0x8000 | nG (bit 11) 0x800 |
     * AP2 (bit 9, read-only) 0x200 | AP1 (bit 5, user) 0x20 | AP0 0x10 | type 0b01
     * = 0x80018A31, in L2 entries 0x50..0x5F (offsets 0x140..0x17C) */
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(rd(f, L2_0 + 0x140u + 4 * i), 0x80018A31u);
    assert_int_equal(rd(f, L2_0 + 0x13Cu), 0);
    assert_int_equal(rd(f, L2_0 + 0x180u), 0);
}

static void test_map_1m_descriptor(void **state)
{
    struct fx *f = *state;

    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x00300000u, SZ_1M,
                              SMMU_ATTR_READ | SMMU_ATTR_WRITE | SMMU_ATTR_EXEC |
                              SMMU_ATTR_GLOBAL | SMMU_ATTR_SHARED |
                              SMMU_ATTR_CACHE(SMMU_CACHE_WB_WA)), 0);
    /* Section: base 0x80100000 | NS (bit 19) 0x80000 | S (bit 16) 0x10000 |
     * AP1 (bit 11) 0x800 | AP0 (bit 10) 0x400 | B (bit 2, index 1 = B) 0x4 |
     * type 0b10; no XN, no nG, no AP2 = 0x80190C06, in L1[3] */
    assert_int_equal(rd(f, L1 + 12), 0x80190C06u);
    assert_int_equal(rd(f, L1 + 8), 0);
    assert_int_equal(rd(f, L1 + 16), 0);
    assert_int_equal(f->ta.allocs, 1);  /* no L2 table */
}

static void test_map_16m_descriptor(void **state)
{
    struct fx *f = *state;

    assert_int_equal(smmu_map(f->dev, 0x81000000u, 0x01000000u, SZ_16M,
                              SMMU_ATTR_READ | SMMU_ATTR_WRITE | SMMU_ATTR_SECURE), 0);
    /* Supersection: base 0x81000000 | bit 18 0x40000 | nG (bit 17) 0x20000 |
     * AP1 0x800 | AP0 0x400 | XN (bit 4) 0x10 | type 0b10; secure: NS clear =
     * 0x81060C12, repeated in L1[16..31] */
    for (unsigned i = 16; i < 32; i++)
        assert_int_equal(rd(f, L1 + 4 * i), 0x81060C12u);
    assert_int_equal(rd(f, L1 + 4 * 15), 0);
    assert_int_equal(rd(f, L1 + 4 * 32), 0);
}

static void test_cache_policy_bits(void **state)
{
    struct fx *f = *state;

    /* Small page, index 4 (device: TEX[0]) -> TEX[0] is bit 6; index 2 (WT: C) -> bit 3.
     * Base bits: AP1 0x20 | AP0 0x10 | nG 0x800 | XN 0x1 | type 0x2 | AP2 0x200
     * (read-only) = 0xA33. */
    assert_int_equal(smmu_map(f->dev, 0x90000000u, 0x00001000u, SZ_4K,
                              SMMU_ATTR_READ | SMMU_ATTR_CACHE(SMMU_CACHE_DEVICE)), 0);
    assert_int_equal(rd(f, L2_0 + 4), 0x90000000u | 0xA33u | 0x40u);
    assert_int_equal(smmu_map(f->dev, 0x90010000u, 0x00010000u, SZ_64K,
                              SMMU_ATTR_READ | SMMU_ATTR_CACHE(SMMU_CACHE_WT)), 0);
    /* Large page, index 2: C bit 3; XN bit 15 0x8000 | nG 0x800 | AP2 0x200 |
     * AP1 0x20 | AP0 0x10 | type 0x1 = 0x8A31 */
    assert_int_equal(rd(f, L2_0 + 0x40u), 0x90010000u | 0x8A31u | 0x8u);
    assert_int_equal(smmu_map(f->dev, 0x90100000u, 0x00100000u, SZ_1M,
                              SMMU_ATTR_READ | SMMU_ATTR_CACHE(SMMU_CACHE_WB_NWA + 4)), 0);
    /* Section, index 7: TEX[0] bit 12, C bit 3, B bit 2; NS 0x80000 | nG 0x20000 |
     * AP2 0x8000 | AP1 0x800 | AP0 0x400 | XN 0x10 | type 0x2 = 0xA8C12 */
    assert_int_equal(rd(f, L1 + 4), 0x90100000u | 0xA8C12u | 0x100Cu);
    /* PRIV alone: AP1 clear. Small page at VA 0x2000 (index 2): 0xA33 - 0x20 = 0xA13 */
    assert_int_equal(smmu_map(f->dev, 0x90002000u, 0x00002000u, SZ_4K,
                              SMMU_ATTR_READ | SMMU_ATTR_PRIV), 0);
    assert_int_equal(rd(f, L2_0 + 8), 0x90002000u | 0xA13u);
    /* USER | PRIV: AP1 set again (0xA33) */
    assert_int_equal(smmu_map(f->dev, 0x90003000u, 0x00003000u, SZ_4K,
                              SMMU_ATTR_READ | SMMU_ATTR_PRIV | SMMU_ATTR_USER), 0);
    assert_int_equal(rd(f, L2_0 + 12), 0x90003000u | 0xA33u);
}

/* ---- Refusals (and nothing changes) --------------------------------------------- */

static void test_map_bad_arguments(void **state)
{
    struct fx *f = *state;
    const uint32_t rw = SMMU_ATTR_READ | SMMU_ATTR_WRITE;

    assert_int_equal(smmu_map(f->dev, 0x80000000u, 0x0u, 0x2000u, rw), -EINVAL);   /* 8K */
    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x0u, SZ_64K, rw), -EINVAL);    /* PA */
    assert_int_equal(smmu_map(f->dev, 0x80000000u, 0x8000u, SZ_64K, rw), -EINVAL); /* VA */
    assert_int_equal(smmu_map(f->dev, 0x80000000u, 0x0u, SZ_4K, 0), -EINVAL);
    assert_int_equal(smmu_map(f->dev, 0x80000000u, 0x0u, SZ_4K, SMMU_ATTR_EXEC), -EINVAL);
    assert_int_equal(smmu_map(f->dev, 0x80000000u, 0x0u, SZ_4K, rw | (1u << 11)), -EINVAL);
    assert_int_equal(smmu_map(NULL, 0x80000000u, 0x0u, SZ_4K, rw), -EINVAL);
    assert_int_equal(smmu_unmap(f->dev, 0x1000u, 0x3000u), -EINVAL);
    assert_int_equal(smmu_unmap(f->dev, 0x1000u, SZ_64K), -EINVAL);
    assert_int_equal(f->ta.allocs, 1);
    assert_int_equal(rd(f, L1), 0);
}

static void test_map_refuses_overwrite(void **state)
{
    struct fx *f = *state;
    const uint32_t rw = SMMU_ATTR_READ | SMMU_ATTR_WRITE;

    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00042000u, SZ_4K, rw), 0);
    /* the same 4K again */
    assert_int_equal(smmu_map(f->dev, 0x80005000u, 0x00042000u, SZ_4K, rw), -EBUSY);
    assert_int_equal(rd(f, L2_0 + 0x108u), 0x80001833u);
    /* a 64K page over 0x40000..0x4FFFF, which holds the 4K page at index 0x42 */
    assert_int_equal(smmu_map(f->dev, 0x80010000u, 0x00040000u, SZ_64K, rw), -EBUSY);
    assert_int_equal(rd(f, L2_0 + 0x100u), 0);  /* index 0x40 untouched */
    /* a section over the L2 table */
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x0u, SZ_1M, rw), -EBUSY);
    assert_int_equal(rd(f, L1), L2_0 | 0x9u);
    /* a supersection over VA 0..16M, whose L1[0] is that table */
    assert_int_equal(smmu_map(f->dev, 0x81000000u, 0x0u, SZ_16M, rw), -EBUSY);
    for (unsigned i = 1; i < 16; i++)
        assert_int_equal(rd(f, L1 + 4 * i), 0);
    /* a 4K page inside a section */
    assert_int_equal(smmu_map(f->dev, 0x80200000u, 0x00500000u, SZ_1M, rw), 0);
    assert_int_equal(smmu_map(f->dev, 0x80300000u, 0x00501000u, SZ_4K, rw), -EBUSY);
    /* a supersection whose 6th entry (VA 0x01500000) is a section */
    assert_int_equal(smmu_map(f->dev, 0x80400000u, 0x01500000u, SZ_1M, rw), 0);
    assert_int_equal(smmu_map(f->dev, 0x82000000u, 0x01000000u, SZ_16M, rw), -EBUSY);
    assert_int_equal(rd(f, L1 + 4 * 16), 0);
    /* a secure page into a table of non-secure pages (NS lives in the L1 entry) */
    assert_int_equal(smmu_map(f->dev, 0x80003000u, 0x00043000u, SZ_4K, rw | SMMU_ATTR_SECURE),
                     -EINVAL);
    assert_int_equal(rd(f, L2_0 + 0x10Cu), 0);
    assert_int_equal(f->ta.allocs, 2);
}

static void test_unmap_rules(void **state)
{
    struct fx *f = *state;
    const uint32_t rw = SMMU_ATTR_READ | SMMU_ATTR_WRITE;

    assert_int_equal(smmu_unmap(f->dev, 0x00042000u, SZ_4K), -ENOENT);
    assert_int_equal(smmu_map(f->dev, 0x80010000u, 0x00050000u, SZ_64K, rw), 0);
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x00300000u, SZ_1M, rw), 0);
    assert_int_equal(smmu_map(f->dev, 0x81000000u, 0x01000000u, SZ_16M, rw), 0);
    /* wrong size over each mapping */
    assert_int_equal(smmu_unmap(f->dev, 0x00050000u, SZ_4K), -EINVAL);
    assert_int_equal(smmu_unmap(f->dev, 0x00000000u, SZ_1M), -EINVAL);   /* L2 table */
    assert_int_equal(smmu_unmap(f->dev, 0x00300000u, SZ_4K), -EINVAL);   /* section */
    assert_int_equal(smmu_unmap(f->dev, 0x01100000u, SZ_1M), -EINVAL);   /* supersection */
    assert_int_equal(smmu_unmap(f->dev, 0x00060000u, SZ_64K), -ENOENT);
    assert_int_equal(rd(f, L2_0 + 0x140u), 0x80010000u | 0x8831u);
    /* right sizes */
    assert_int_equal(smmu_unmap(f->dev, 0x00050000u, SZ_64K), 0);
    assert_int_equal(smmu_unmap(f->dev, 0x00300000u, SZ_1M), 0);
    assert_int_equal(smmu_unmap(f->dev, 0x01000000u, SZ_16M), 0);
    for (unsigned i = 0; i < 32; i++)
        assert_int_equal(rd(f, L1 + 4 * i), 0);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(rd(f, L2_0 + 0x140u + 4 * i), 0);
    const struct smmu_dev_stats *st = smmu_dev_stats(f->dev);
    assert_int_equal(st->maps[PAGE_64K], 1);
    assert_int_equal(st->unmaps[PAGE_16M], 1);
}

static void test_l2_table_lifetime(void **state)
{
    struct fx *f = *state;
    const uint32_t rw = SMMU_ATTR_READ | SMMU_ATTR_WRITE;

    /* two pages in one MiB share a table; a page in the next MiB gets another */
    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00001000u, SZ_4K, rw), 0);
    assert_int_equal(smmu_map(f->dev, 0x80002000u, 0x000FF000u, SZ_4K, rw), 0);
    assert_int_equal(smmu_map(f->dev, 0x80003000u, 0x00100000u, SZ_4K, rw), 0);
    assert_int_equal(f->ta.allocs, 3);
    assert_int_equal(rd(f, L1 + 0), L2_0 | 0x9u);
    assert_int_equal(rd(f, L1 + 4), L2_1 | 0x9u);
    assert_int_equal(smmu_unmap(f->dev, 0x00001000u, SZ_4K), 0);
    assert_int_equal(f->ta.frees, 0);           /* one page left in the table */
    assert_int_equal(rd(f, L1 + 0), L2_0 | 0x9u);
    assert_int_equal(smmu_unmap(f->dev, 0x000FF000u, SZ_4K), 0);
    assert_int_equal(f->ta.frees, 1);
    assert_int_equal(f->ta.last_free_pa, L2_0);
    assert_int_equal(f->ta.last_free_size, 1024);
    assert_int_equal(rd(f, L1 + 0), 0);
    /* now a section fits where the table was */
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x0u, SZ_1M, rw), 0);
    assert_int_equal(smmu_dev_stats(f->dev)->l2_tables, 1);
    /* deinit frees the remaining table and the L1 table */
    assert_int_equal(smmu_ctx_deinit(f->dev), 0);
    f->dev = NULL;
    assert_int_equal(f->ta.frees, 3);
    assert_int_equal(f->ta.last_free_pa, L1);
    assert_int_equal(f->ta.last_free_size, 16384);
}

static void test_out_of_table_memory(void **state)
{
    struct fx *f = *state;

    f->ta.fail_after = f->ta.allocs;        /* no more tables */
    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00001000u, SZ_4K, SMMU_ATTR_READ), -ENOMEM);
    assert_int_equal(rd(f, L1), 0);
    assert_int_equal(smmu_dev_stats(f->dev)->maps[PAGE_4K], 0);
    /* sections need no table */
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x00100000u, SZ_1M, SMMU_ATTR_READ), 0);
    assert_null(smmu_ctx_init(0, &f->pt));
    assert_int_equal(smmu_set_split(f->dev, 1), -ENOMEM);
    assert_int_equal(smmu_get_split(f->dev), 0);
    assert_null(smmu_ctx_init(8, &f->pt));  /* banks are 0..7 */
    assert_null(smmu_ctx_init(-1, &f->pt));
}

static void test_split_tables(void **state)
{
    struct fx *f = *state;
    const uint32_t rw = SMMU_ATTR_READ | SMMU_ATTR_WRITE;

    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x7FF00000u, SZ_1M, rw), 0);
    /* N = 2: TTBR0 covers VA < 1 GiB, so the mapping at 0x7FF00000 would move */
    assert_int_equal(smmu_set_split(f->dev, 2), -EBUSY);
    assert_int_equal(smmu_set_split(f->dev, 8), -EINVAL);
    /* N = 1: TTBR0 covers VA < 2 GiB; the TTBR1 table is the next 16 KiB */
    assert_int_equal(smmu_set_split(f->dev, 1), 0);
    uint32_t t1 = smmu_dev_ttbr1(f->dev);
    assert_int_equal(t1, L1 + 0x4000u);
    assert_int_equal(smmu_map(f->dev, 0x80200000u, 0x80000000u, SZ_1M, rw), 0);
    /* VA 0x80000000: TTBR1 table, index VA[31:20] = 0x800 -> offset 0x2000; the
     * section 0x80200000 | NS 0x80000 | nG 0x20000 | AP1 0x800 | AP0 0x400 |
     * XN 0x10 | 0x2 */
    assert_int_equal(rd(f, t1 + 0x2000u), 0x80200000u | 0xA0C12u);
    assert_int_equal(rd(f, L1 + 0x2000u), 0);
    /* VA 0x7FF00000 stays in TTBR0, index 0x7FF */
    assert_int_equal(rd(f, L1 + 0x1FFCu), 0x80100000u | 0xA0C12u);
    /* back to N = 0 would move 0x80000000 into TTBR0 */
    assert_int_equal(smmu_set_split(f->dev, 0), -EBUSY);
    assert_int_equal(smmu_unmap(f->dev, 0x80000000u, SZ_1M), 0);
    assert_int_equal(smmu_set_split(f->dev, 0), 0);
    assert_int_equal(smmu_dev_ttbr1(f->dev), 0);
    assert_int_equal(f->ta.last_free_pa, t1);
}

/* An allocator that ignores the alignment it is asked for (a bug): the driver gives
 * the memory back and fails instead of using a misaligned table. */
static uint32_t misaligned_alloc(void *arg, uint32_t size, uint32_t align)
{
    struct test_alloc *a = arg;

    (void)align;
    a->allocs++;
    uint32_t pa = a->next + 0x400u;         /* 1 KiB past a 16 KiB boundary */
    a->next = pa + size;
    return pa;
}

static void test_misaligned_table_memory_refused(void **state)
{
    struct fx *f = *state;
    struct test_alloc bad = { .next = 0x20000000u, .fail_after = ~0u };
    struct smmu_pt_allocator pt = { .pm = f->pm, .alloc = misaligned_alloc, .free = ta_free,
                                    .arg = &bad };

    assert_null(smmu_ctx_init(0, &pt));
    assert_int_equal(bad.allocs, 1);
    assert_int_equal(bad.frees, 1);
    assert_int_equal(bad.last_free_pa, 0x20000400u);
    assert_int_equal(bad.last_free_size, 16384);
}

/* A small page with SMMU_ATTR_SHARED: S is bit 10 of a small-page descriptor. */
static void test_shared_small_page(void **state)
{
    struct fx *f = *state;

    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00001000u, SZ_4K,
                              SMMU_ATTR_READ | SMMU_ATTR_WRITE | SMMU_ATTR_SHARED), 0);
    /* 0x80001000 | nG 0x800 | S 0x400 | AP1 0x20 | AP0 0x10 | 0b1x 0x2 | XN 0x1 */
    assert_int_equal(rd(f, L2_0 + 4), 0x80001C33u);
}

/*
 * A run of 16 descriptors (supersection, large page) whose copies disagree is not
 * one mapping: unmap refuses it and leaves every entry as it was.
 */
static void test_unmap_refuses_inconsistent_runs(void **state)
{
    struct fx *f = *state;
    const uint32_t rw = SMMU_ATTR_READ | SMMU_ATTR_WRITE;

    assert_int_equal(smmu_unmap(f->dev, 0x00500000u, SZ_1M), -ENOENT);
    assert_int_equal(smmu_unmap(f->dev, 0x01000000u, SZ_16M), -ENOENT);

    /* Supersection at 0x01000000: L1[16..31] = 0x81060C12 (see test_map_16m_descriptor,
     * here non-secure: | NS 0x80000 = 0x810E0C12). Entry 20 altered. */
    assert_int_equal(smmu_map(f->dev, 0x81000000u, 0x01000000u, SZ_16M, rw), 0);
    assert_int_equal(rd(f, L1 + 4 * 16), 0x810E0C12u);
    physmem_write32(f->pm, L1 + 4 * 20, 0x820E0C12u);
    assert_int_equal(smmu_unmap(f->dev, 0x01000000u, SZ_16M), -EINVAL);
    assert_int_equal(rd(f, L1 + 4 * 16), 0x810E0C12u);
    assert_int_equal(rd(f, L1 + 4 * 20), 0x820E0C12u);

    /* Large page at 0x50000: L2_0 entries 0x50..0x5F = 0x80018831 (RW: 0x80018A31 less
     * AP2 0x200); entry 0x55 altered. */
    assert_int_equal(smmu_map(f->dev, 0x80010000u, 0x00050000u, SZ_64K, rw), 0);
    assert_int_equal(rd(f, L2_0 + 0x140u), 0x80018831u);
    physmem_write32(f->pm, L2_0 + 4 * 0x55, 0x80028831u);
    assert_int_equal(smmu_unmap(f->dev, 0x00050000u, SZ_64K), -EINVAL);
    assert_int_equal(rd(f, L2_0 + 0x140u), 0x80018831u);
    assert_int_equal(smmu_dev_stats(f->dev)->unmaps[PAGE_64K], 0);
    assert_int_equal(smmu_dev_stats(f->dev)->unmaps[PAGE_16M], 0);
    /* Repaired, they unmap. */
    physmem_write32(f->pm, L1 + 4 * 20, 0x810E0C12u);
    physmem_write32(f->pm, L2_0 + 4 * 0x55, 0x80018831u);
    assert_int_equal(smmu_unmap(f->dev, 0x01000000u, SZ_16M), 0);
    assert_int_equal(smmu_unmap(f->dev, 0x00050000u, SZ_64K), 0);
}

/* Calls with a NULL object are refused (or do nothing), never dereferenced. */
static void test_null_arguments(void **state)
{
    struct fx *f = *state;
    struct smmu_config cfg = { .nbanks = 3 };
    uint32_t pa;

    assert_int_equal(smmu_update_start(NULL), -EINVAL);
    assert_int_equal(smmu_update_done(NULL), -EINVAL);
    assert_int_equal(smmu_unmap(NULL, 0, SZ_4K), -EINVAL);
    assert_int_equal(smmu_ctx_deinit(NULL), -EINVAL);
    assert_int_equal(smmu_ctx_bind(NULL, NULL), -EINVAL);
    assert_int_equal(smmu_ctx_bind(f->dev, NULL), -EINVAL);
    assert_int_equal(smmu_ctx_set_mids(NULL, NULL, 0), -EINVAL);
    assert_int_equal(smmu_ctx_set_mids(f->dev, NULL, 1), -EINVAL);
    assert_int_equal(smmu_ctx_set_name(NULL, "x"), -EINVAL);
    assert_int_equal(smmu_ctx_set_name(f->dev, NULL), -EINVAL);
    assert_int_equal(smmu_set_split(NULL, 1), -EINVAL);
    assert_int_equal(smmu_activate(NULL), -EINVAL);
    assert_int_equal(smmu_deactivate(NULL), -EINVAL);
    assert_int_equal(smmu_is_active(NULL), -EINVAL);
    assert_int_equal(smmu_translate(NULL, 0, &pa), -EINVAL);
    assert_int_equal(smmu_translate(f->dev, 0, NULL), -EINVAL);
    assert_int_equal(smmu_hook_irpt(NULL, NULL, NULL), -EINVAL);
    assert_int_equal(smmu_free_ctx_instance(NULL), -EINVAL);
    assert_int_equal(smmu_drvdata_init(NULL, NULL, 0, 0), -EINVAL);
    assert_int_equal(smmu_drvdata_deinit(NULL), -EINVAL);
    assert_int_equal(smmu_poll_global_fault(NULL), -EINVAL);
    smmu_fault_log_clear(NULL);
    smmu_tree_free(NULL);
    assert_null(smmu_tree_find_driver(NULL, "rot"));
    assert_null(smmu_get_ctx_instance(NULL, "rot_src"));
    smmu_desc_fill_config(NULL, &cfg);
    assert_int_equal(cfg.nbanks, 3);                    /* untouched */
    /* Setting the split a context already has is nothing to do. */
    assert_int_equal(smmu_set_split(f->dev, 0), 0);
    assert_int_equal(f->ta.allocs, 1);
}

/* ---- Against the SMMU model ------------------------------------------------------- */

static uint32_t reg(struct fx *f, unsigned bank, uint32_t r)
{
    return smmu_mmio_read(f->hw, SMMU_CTX_REG(bank, r));
}

static enum smmu_status do_access(struct fx *f, unsigned mid, uint32_t va, bool write,
                                  struct smmu_txn *t)
{
    memset(t, 0, sizeof(*t));
    t->mid = (uint16_t)mid;
    t->iova = va;
    t->bytes = 64;
    t->write = write;
    return smmu_access(f->hw, t);
}

static void test_drvdata_init_reads_idr(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_tree_driver(f->tree, 0);

    /* vcodec_a: 2 banks, MIDs 0..15; TLB of 32 entries: IDR.TLBSIZE = log2(32) = 5 */
    assert_int_equal(smmu_driver_num_banks(drv), 2);
    assert_int_equal(drv->nmids, 16);
    assert_int_equal(drv->tlbsize, 5);
    assert_string_equal(smmu_driver_name(drv), "vcodec_a");
    /* every MID unrouted: CBNDX = 0xFF -> 0xFF << 8 */
    for (unsigned mid = 0; mid < 16; mid++)
        assert_int_equal(smmu_mmio_read(f->hw, SMMU_M2VCBR_N(mid)), 0xFF00u);
    /* bank 1's VMID (1) preset in CBACR.CBVMID, bits [20:16] */
    assert_int_equal(smmu_mmio_read(f->hw, SMMU_CBACR_N(1)), 0x00010000u);
    assert_int_equal(smmu_mmio_read(f->hw, SMMU_CR), 0);
    assert_int_equal(smmu_get_base_addr(f->dev), 0x07A00000u);
    assert_int_equal(smmu_dev_bank(f->dev), 1);
    assert_int_equal(smmu_dev_asid(f->dev), 1);
}

static void test_bringup_registers(void **state)
{
    struct fx *f = *state;

    assert_int_equal(smmu_is_active(f->dev), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(smmu_is_active(f->dev), 1);
    /* SCTLR: M (0) | TRE (1) | AFE (2) = 0x7 */
    assert_int_equal(reg(f, 1, SMMU_SCTLR), 0x7u);
    /* ACTLR: CFERE (0) 0x1 | CFEIE (1) 0x2 | TLBMCFG=3 at 12 0x3000 | CFCFG (14) 0x4000 |
     * V2PCFG=3 at 16 0x30000 = 0x37003 */
    assert_int_equal(reg(f, 1, SMMU_ACTLR), 0x37003u);
    assert_int_equal(reg(f, 1, SMMU_TTBCR), 0);
    assert_int_equal(reg(f, 1, SMMU_TTBR0), L1);
    assert_int_equal(reg(f, 1, SMMU_TTBR1), 0);
    /* PRRR: TR0..3 = 0b10 (0xAA), TR4 = 0b01 (0x100), DS1 (17), NS1 (19) = 0x000A01AA;
     * NMRR: IR0..3 = 00,01,10,11 = 0xE4 and OR the same at 16 = 0x00E400E4 */
    assert_int_equal(reg(f, 1, SMMU_PRRR), 0x000A01AAu);
    assert_int_equal(reg(f, 1, SMMU_NMRR), 0x00E400E4u);
    assert_int_equal(reg(f, 1, SMMU_CONTEXTIDR), 1);
    /* CBACR: CBVMID 1 at 16, IRPTNDX 0 */
    assert_int_equal(smmu_mmio_read(f->hw, SMMU_CBACR_N(1)), 0x00010000u);
    /* M2VCBR for vcodec_a_mm1's MIDs: NSCFG 3 at 22 0xC00000 | CBNDX 1 at 8 | VMID 1 */
    const unsigned mids[] = { 0, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
    for (unsigned i = 0; i < 12; i++)
        assert_int_equal(smmu_mmio_read(f->hw, SMMU_M2VCBR_N(mids[i])), 0x00C00101u);
    /* vcodec_a_stream's MIDs 2 and 5 stay unrouted */
    assert_int_equal(smmu_mmio_read(f->hw, SMMU_M2VCBR_N(2)), 0xFF00u);
    assert_int_equal(smmu_mmio_read(f->hw, SMMU_M2VCBR_N(5)), 0xFF00u);
    /* bank 0 untouched */
    assert_int_equal(reg(f, 0, SMMU_SCTLR), 0);

    assert_int_equal(smmu_deactivate(f->dev), 0);
    assert_int_equal(smmu_is_active(f->dev), 0);
    assert_int_equal(reg(f, 1, SMMU_SCTLR), 0x6u);  /* M cleared */
    for (unsigned i = 0; i < 12; i++)
        assert_int_equal(smmu_mmio_read(f->hw, SMMU_M2VCBR_N(mids[i])), 0xFF00u);
}

struct size_case { uint32_t pa, va, len, probe_off; };

static void test_translate_each_size(void **state)
{
    struct fx *f = *state;
    const struct size_case cases[] = {
        { 0x80001000u, 0x00042000u, SZ_4K,  0x0ABCu },
        { 0x80010000u, 0x00050000u, SZ_64K, 0xF123u },
        { 0x80100000u, 0x00300000u, SZ_1M,  0xABCDEu },
        { 0x81000000u, 0x01000000u, SZ_16M, 0x234567u },
    };
    struct smmu_txn t;
    uint32_t pa;

    assert_int_equal(smmu_translate(f->dev, 0x00042000u, &pa), -ENODEV);
    assert_int_equal(smmu_update_start(f->dev), 0);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(smmu_map(f->dev, cases[i].pa, cases[i].va, cases[i].len,
                                  SMMU_ATTR_READ | SMMU_ATTR_WRITE), 0);
    assert_int_equal(smmu_update_done(f->dev), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    for (unsigned i = 0; i < 4; i++) {
        /* PA = page base + offset inside the page, e.g. 0x81000000 + 0x234567 */
        uint32_t want = cases[i].pa + cases[i].probe_off;
        assert_int_equal(smmu_translate(f->dev, cases[i].va + cases[i].probe_off, &pa), 0);
        assert_int_equal(pa, want);
        /* MID 6 is routed to bank 1 */
        assert_int_equal(do_access(f, 6, cases[i].va + cases[i].probe_off, true, &t), SMMU_DONE);
        assert_int_equal(t.pa, want);
        assert_int_equal(t.ctx, 1);
        assert_false(t.tlb_hit);        /* first touch: a walk */
        assert_int_equal(do_access(f, 6, cases[i].va, false, &t), SMMU_DONE);
        assert_int_equal(t.pa, cases[i].pa);
        assert_true(t.tlb_hit);         /* the same page: the entry the walk filled */
    }
    /* an unmapped VA: PAR.FAULT */
    assert_int_equal(smmu_translate(f->dev, 0x00200000u, &pa), -EFAULT);
    assert_int_equal(smmu_fault_log_count(smmu_dev_driver(f->dev)), 0);  /* V2P is no fault */
}

static void test_priv_only_mapping(void **state)
{
    struct fx *f = *state;
    struct smmu_txn t;

    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00001000u, SZ_4K,
                              SMMU_ATTR_READ | SMMU_ATTR_WRITE | SMMU_ATTR_PRIV), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    /* AP1 clear: a user access is a permission fault, a privileged one passes */
    assert_int_equal(do_access(f, 6, 0x00001000u, false, &t), SMMU_FAULTED);
    assert_int_equal(t.fsr & FSR_APF, FSR_APF);
    memset(&t, 0, sizeof(t));
    t.mid = 6;
    t.iova = 0x00001004u;
    t.bytes = 4;
    t.privileged = true;
    assert_int_equal(smmu_access(f->hw, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x80001004u);
}

static void test_activate_bypass(void **state)
{
    struct fx *f = *state;
    struct smmu_txn t;
    unsigned sctlr = SMMU_CTX_REG(1, SMMU_SCTLR);

    /* a mapping exists but the bank is brought up with SCTLR.M clear: MID 6 is routed
     * to bank 1 and its addresses pass through unchanged (PA = IOVA) */
    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00001000u, SZ_4K,
                              SMMU_ATTR_READ | SMMU_ATTR_WRITE), 0);
    assert_int_equal(smmu_activate_bypass(f->dev), 0);
    assert_int_equal(smmu_mmio_read(f->hw, sctlr) & SCTLR_M, 0);
    assert_int_equal(do_access(f, 6, 0x00001234u, false, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x00001234u);
    assert_true(t.bypassed);
    /* deactivated: the MID is unrouted again, a global fault */
    assert_int_equal(smmu_deactivate(f->dev), 0);
    assert_int_equal(do_access(f, 6, 0x00001234u, false, &t), SMMU_GLOBAL_FAULTED);
    /* and a normal activation translates: PA 0x80001234 */
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(smmu_mmio_read(f->hw, sctlr) & SCTLR_M, SCTLR_M);
    assert_int_equal(do_access(f, 6, 0x00001234u, false, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x80001234u);
}

static void test_unrouted_mid_faults_globally(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct smmu_txn t;

    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x00100000u, SZ_1M, SMMU_ATTR_READ), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(do_access(f, 6, 0x00100000u, false, &t), SMMU_DONE);
    /* MID 2 belongs to vcodec_a_stream, which is not active: unrouted */
    assert_int_equal(do_access(f, 2, 0x00100000u, false, &t), SMMU_GLOBAL_FAULTED);
    assert_int_equal(smmu_mmio_read(f->hw, SMMU_ESR) & ESR_CFG, ESR_CFG);
    assert_int_equal(smmu_poll_global_fault(drv), 1);
    assert_int_equal(smmu_mmio_read(f->hw, SMMU_ESR), 0);
    assert_int_equal(smmu_fault_log_count(drv), 1);
    assert_string_equal(smmu_fault_log_entry(drv, 0)->msg,
                        "SMMU vcodec_a [DMA Read] Request device mid 2 fault addr 0x00100000 "
                        "reason: unrouted MID (global configuration fault); terminated");
    assert_int_equal(smmu_poll_global_fault(drv), 0);
    /* after deactivation MID 6 is unrouted too, not bypassed */
    assert_int_equal(smmu_deactivate(f->dev), 0);
    assert_int_equal(do_access(f, 6, 0x00100000u, false, &t), SMMU_GLOBAL_FAULTED);
}

static void test_unmap_invalidates_tlb(void **state)
{
    struct fx *f = *state;
    struct tlb *tlb = smmu_tlb(f->hw);
    const uint32_t rw = SMMU_ATTR_READ | SMMU_ATTR_WRITE;
    struct smmu_txn t;

    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00042000u, SZ_4K, rw), 0);
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x00300000u, SZ_1M, rw), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(do_access(f, 6, 0x00042000u, false, &t), SMMU_DONE);
    assert_int_equal(do_access(f, 6, 0x00300000u, false, &t), SMMU_DONE);
    assert_int_equal(do_access(f, 6, 0x00042000u, false, &t), SMMU_DONE);
    assert_true(t.tlb_hit);
    assert_int_equal(tlb_valid_entries(tlb), 2);

    /* inside a bracket the invalidation waits for update_done */
    assert_int_equal(smmu_update_start(f->dev), 0);
    assert_int_equal(smmu_unmap(f->dev, 0x00042000u, SZ_4K), 0);
    assert_non_null(tlb_probe(tlb, 1, 1, 0x00042000u));
    assert_int_equal(smmu_update_done(f->dev), 0);
    assert_null(tlb_probe(tlb, 1, 1, 0x00042000u));
    assert_non_null(tlb_probe(tlb, 1, 1, 0x00300000u));    /* TLBIVA spares the rest */
    assert_int_equal(smmu_dev_stats(f->dev)->tlbi_va, 1);
    assert_int_equal(do_access(f, 6, 0x00042000u, false, &t), SMMU_FAULTED);

    /* outside a bracket at once */
    assert_int_equal(smmu_unmap(f->dev, 0x00300000u, SZ_1M), 0);
    assert_int_equal(tlb_valid_entries(tlb), 0);
    assert_int_equal(do_access(f, 6, 0x00300000u, false, &t), SMMU_FAULTED);
    assert_int_equal(smmu_update_done(f->dev), -EINVAL);  /* no bracket open */
}

static void test_many_unmaps_use_tlbiasid(void **state)
{
    struct fx *f = *state;
    struct smmu_txn t;
    const unsigned n = SMMU_TLBI_BATCH + 1;    /* 33 unmaps: one more than the batch */

    for (unsigned i = 0; i < n; i++)
        assert_int_equal(smmu_map(f->dev, 0x80000000u + i * SZ_4K, i * SZ_4K, SZ_4K,
                                  SMMU_ATTR_READ), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(do_access(f, 6, 0, false, &t), SMMU_DONE);
    smmu_update_start(f->dev);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(smmu_unmap(f->dev, i * SZ_4K, SZ_4K), 0);
    smmu_update_done(f->dev);
    const struct smmu_dev_stats *st = smmu_dev_stats(f->dev);
    assert_int_equal(st->tlbi_va, 0);
    assert_int_equal(st->tlbi_asid, 1);
    assert_int_equal(st->l2_frees, 1);          /* all 33 pages were in one table */
    assert_int_equal(tlb_valid_entries(smmu_tlb(f->hw)), 0);
}

static void test_fault_no_hook_terminates_and_logs(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct smmu_txn t;

    assert_int_equal(smmu_map(f->dev, 0x80001000u, 0x00042000u, SZ_4K, SMMU_ATTR_READ), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    /* L1[2] is a fault entry: level 1 */
    assert_int_equal(do_access(f, 6, 0x00200010u, true, &t), SMMU_FAULTED);
    /* L1[0] is a table, L2[0x43] a fault entry: level 2 */
    assert_int_equal(do_access(f, 7, 0x00043000u, false, &t), SMMU_FAULTED);
    /* read-only page written: permission fault at level 2 */
    assert_int_equal(do_access(f, 6, 0x00042000u, true, &t), SMMU_FAULTED);
    assert_int_equal(smmu_fault_log_count(drv), 3);
    assert_string_equal(smmu_fault_log_entry(drv, 0)->msg,
                        "SMMU vcodec_a ctx vcodec_a_mm1 [DMA Write] Request device mid 6 "
                        "fault addr 0x00200010 reason: translation fault level 1; terminated");
    assert_string_equal(smmu_fault_log_entry(drv, 1)->msg,
                        "SMMU vcodec_a ctx vcodec_a_mm1 [DMA Read] Request device mid 7 "
                        "fault addr 0x00043000 reason: translation fault level 2; terminated");
    assert_string_equal(smmu_fault_log_entry(drv, 2)->msg,
                        "SMMU vcodec_a ctx vcodec_a_mm1 [DMA Write] Request device mid 6 "
                        "fault addr 0x00042000 reason: permission fault level 2; terminated");
    const struct smmu_fault_record *r = smmu_fault_log_entry(drv, 1);
    assert_int_equal(r->fault.bank, 1);
    assert_int_equal(r->fault.mid, 7);
    assert_int_equal(r->fault.far, 0x00043000u);
    assert_true(r->fault.stalled);
    assert_int_equal(r->fault.seq, 2);
    assert_false(r->hooked);
    assert_int_equal(r->action, SMMU_FAULT_TERMINATED);
    assert_string_equal(r->fault.ctx, "vcodec_a_mm1");
    /* FSR cleared and the stall released */
    assert_int_equal(reg(f, 1, SMMU_FSR), 0);
    const struct smmu_driver_stats *st = smmu_driver_stats(drv);
    assert_int_equal(st->faults, 3);
    assert_int_equal(st->unhooked, 3);
    assert_int_equal(st->terminated, 3);
    assert_int_equal(smmu_ctx_stats(f->hw, 1)->terminated, 3);
}

struct hook_state {
    unsigned calls;
    int ret;
    bool map;                       /* map the faulting page before answering */
    uint32_t pa;
    struct smmu_fault last;
};

static int test_hook(struct smmu_dev *dev, void *data, const struct smmu_fault *fault)
{
    struct hook_state *h = data;

    h->calls++;
    h->last = *fault;
    if (h->map) {
        smmu_update_start(dev);
        smmu_map(dev, h->pa, fault->far & ~(SZ_4K - 1), SZ_4K,
                 SMMU_ATTR_READ | SMMU_ATTR_WRITE);
        smmu_update_done(dev);
    }
    return h->ret;
}

static void test_fault_hook_retry_maps_page(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct hook_state h = { .ret = 1, .map = true, .pa = 0x8ABCD000u };
    struct smmu_txn t;

    assert_int_equal(smmu_hook_irpt(f->dev, test_hook, &h), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    /* the hook maps VA 0x00777000 -> 0x8ABCD000; the retried walk finds it */
    assert_int_equal(do_access(f, 9, 0x00777123u, true, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x8ABCD123u);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.last.mid, 9);
    assert_true(h.last.write);
    assert_int_equal(h.last.level, 1);
    assert_int_equal(h.last.fsr & (FSR_TF | FSR_SS), FSR_TF | FSR_SS);
    assert_int_equal(smmu_fault_log_entry(drv, 0)->action, SMMU_FAULT_RETRIED);
    assert_string_equal(smmu_fault_log_entry(drv, 0)->msg,
                        "SMMU vcodec_a ctx vcodec_a_mm1 [DMA Write] Request device mid 9 "
                        "fault addr 0x00777123 reason: translation fault level 1; retried");
    assert_int_equal(smmu_ctx_stats(f->hw, 1)->retries, 1);
    assert_int_equal(reg(f, 1, SMMU_FSR), 0);
}

static void test_fault_hook_terminate(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct hook_state h = { .ret = 0, .map = true, .pa = 0x8ABCD000u };
    struct smmu_txn t;

    smmu_hook_irpt(f->dev, test_hook, &h);
    assert_int_equal(smmu_activate(f->dev), 0);
    /* mapped by the hook, but terminated: the master gets an error all the same */
    assert_int_equal(do_access(f, 6, 0x00777000u, false, &t), SMMU_FAULTED);
    assert_int_equal(h.calls, 1);
    assert_int_equal(smmu_fault_log_entry(drv, 0)->action, SMMU_FAULT_TERMINATED);
    assert_true(smmu_fault_log_entry(drv, 0)->hooked);
    /* the next access finds the page */
    assert_int_equal(do_access(f, 6, 0x00777000u, false, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x8ABCD000u);
}

static void test_fault_retry_limit(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct hook_state h = { .ret = 1 };         /* retries, never fixes anything */
    struct smmu_txn t;

    smmu_hook_irpt(f->dev, test_hook, &h);
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(do_access(f, 6, 0x00500000u, false, &t), SMMU_FAULTED);
    /* SMMU_FAULT_RETRY_LIMIT (16) retries, then the 17th fault is terminated */
    assert_int_equal(h.calls, SMMU_FAULT_RETRY_LIMIT + 1);
    const struct smmu_driver_stats *st = smmu_driver_stats(drv);
    assert_int_equal(st->retried, SMMU_FAULT_RETRY_LIMIT);
    assert_int_equal(st->terminated, 1);
    assert_int_equal(st->retry_limit_hits, 1);
    /* a later fault at the same address starts a new count */
    h.calls = 0;
    assert_int_equal(do_access(f, 6, 0x00500000u, false, &t), SMMU_FAULTED);
    assert_int_equal(h.calls, SMMU_FAULT_RETRY_LIMIT + 1);
}

static void test_fault_log_bounded(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct smmu_txn t;

    assert_int_equal(smmu_activate(f->dev), 0);
    for (unsigned i = 0; i < SMMU_FAULT_LOG_SIZE + 6; i++)
        assert_int_equal(do_access(f, 6, i * SZ_4K, false, &t), SMMU_FAULTED);
    /* the first 64 are kept, the last 6 counted */
    assert_int_equal(smmu_fault_log_count(drv), SMMU_FAULT_LOG_SIZE);
    assert_int_equal(smmu_fault_log_dropped(drv), 6);
    assert_int_equal(smmu_fault_log_entry(drv, 63)->fault.far, 63 * SZ_4K);
    assert_null(smmu_fault_log_entry(drv, 64));
    assert_int_equal(smmu_driver_stats(drv)->faults, 70);
    smmu_fault_log_clear(drv);
    assert_int_equal(smmu_fault_log_count(drv), 0);
    assert_int_equal(smmu_fault_log_dropped(drv), 0);
}

static void test_context_switch(void **state)
{
    struct fx *f = *state;
    struct smmu_dev *b = smmu_get_ctx_instance(f->tree, "vcodec_a_mm1");
    struct smmu_txn t;

    assert_non_null(b);
    assert_int_equal(smmu_dev_asid(b), 2);      /* the lowest free ASID after 1 */
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x00100000u, SZ_1M, SMMU_ATTR_READ), 0);
    assert_int_equal(smmu_map(b, 0x90100000u, 0x00100000u, SZ_1M, SMMU_ATTR_READ), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(do_access(f, 6, 0x00100000u, false, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x80100000u);
    /* B takes bank 1: A is switched out and its entries (ASID 1) invalidated */
    assert_int_equal(smmu_activate(b), 0);
    assert_int_equal(smmu_is_active(f->dev), 0);
    assert_int_equal(reg(f, 1, SMMU_CONTEXTIDR), 2);
    assert_int_equal(reg(f, 1, SMMU_TTBR0), smmu_dev_ttbr0(b));
    assert_int_equal(tlb_valid_entries(smmu_tlb(f->hw)), 0);
    assert_int_equal(do_access(f, 6, 0x00100000u, false, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x90100000u);
    /* ctx deinit refuses an active context */
    assert_int_equal(smmu_ctx_deinit(b), -EBUSY);
    assert_int_equal(smmu_free_ctx_instance(b), 0);
}

static void test_mid_conflict_and_global_invalidation(void **state)
{
    struct fx *f = *state;
    struct smmu_dev *s = smmu_get_ctx_instance(f->tree, "vcodec_a_stream");
    const unsigned mids[] = { 5, 6 };

    assert_non_null(s);
    assert_int_equal(smmu_dev_bank(s), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    /* MID 6 is routed to bank 1 by vcodec_a_mm1 */
    assert_int_equal(smmu_ctx_set_mids(s, mids, 2), 0);
    assert_int_equal(smmu_activate(s), -EBUSY);
    assert_int_equal(smmu_is_active(s), 0);
    assert_int_equal(smmu_mmio_read(f->hw, SMMU_M2VCBR_N(5)), 0xFF00u);
    const unsigned bad[] = { 16 };
    assert_int_equal(smmu_ctx_set_mids(s, bad, 1), -EINVAL);   /* MIDs 0..15 here */
    const unsigned dup[] = { 2, 2 };
    assert_int_equal(smmu_ctx_set_mids(s, dup, 2), -EINVAL);

    /* a global mapping makes deactivation use CTX_TLBIALL (TLBIASID spares global entries) */
    struct smmu_txn t;
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x00100000u, SZ_1M,
                              SMMU_ATTR_READ | SMMU_ATTR_GLOBAL), 0);
    assert_int_equal(do_access(f, 6, 0x00100000u, false, &t), SMMU_DONE);
    assert_int_equal(tlb_valid_entries(smmu_tlb(f->hw)), 1);
    assert_int_equal(smmu_deactivate(f->dev), 0);
    /* two: the one that cleared the bank while it was programmed, and deactivation's */
    assert_int_equal(smmu_dev_stats(f->dev)->tlbi_ctx, 2);
    assert_int_equal(tlb_valid_entries(smmu_tlb(f->hw)), 0);
}

static void test_split_through_hardware(void **state)
{
    struct fx *f = *state;
    uint32_t pa;
    struct smmu_txn t;

    assert_int_equal(smmu_set_split(f->dev, 1), 0);
    assert_int_equal(smmu_map(f->dev, 0x80100000u, 0x00100000u, SZ_1M, SMMU_ATTR_READ), 0);
    assert_int_equal(smmu_map(f->dev, 0x90000000u, 0xC0000000u, SZ_16M, SMMU_ATTR_READ), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(smmu_set_split(f->dev, 2), -EBUSY);      /* active */
    assert_int_equal(reg(f, 1, SMMU_TTBCR), 1);
    assert_int_equal(reg(f, 1, SMMU_TTBR1), smmu_dev_ttbr1(f->dev));
    assert_int_equal(smmu_translate(f->dev, 0x00100040u, &pa), 0);
    assert_int_equal(pa, 0x80100040u);
    /* 0xC0000000 + 0x00ABCDEF is in the supersection at 0x90000000 (TTBR1) */
    assert_int_equal(smmu_translate(f->dev, 0xC0ABCDEFu, &pa), 0);
    assert_int_equal(pa, 0x90ABCDEFu);
    assert_int_equal(do_access(f, 6, 0xC0ABCDEFu, false, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x90ABCDEFu);
}

/*
 * A fault that does not stall (CR.STALLD set behind the driver's back) is logged as
 * "not stalled" and needs no RESUME; a fault on a bank that no context of the driver
 * holds (programmed directly through MMIO) is reported under the bank's number.
 */
static void test_fault_not_stalled_and_unowned_bank(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct smmu_txn t;

    assert_int_equal(smmu_activate(f->dev), 0);
    smmu_mmio_write(f->hw, SMMU_CR, CR_STALLD);
    assert_int_equal(do_access(f, 6, 0x00200000u, false, &t), SMMU_FAULTED);
    assert_int_equal(smmu_fault_log_count(drv), 1);
    const struct smmu_fault_record *r = smmu_fault_log_entry(drv, 0);
    assert_false(r->fault.stalled);
    assert_int_equal(r->action, SMMU_FAULT_NOT_STALLED);
    assert_string_equal(r->msg, "SMMU vcodec_a ctx vcodec_a_mm1 [DMA Read] Request device "
                                "mid 6 fault addr 0x00200000 reason: translation fault "
                                "level 1; not stalled");
    assert_int_equal(smmu_driver_stats(drv)->not_stalled, 1);
    assert_int_equal(reg(f, 1, SMMU_FSR), 0);

    /* Bank 0 (vcodec_a_stream's, not activated) brought up by hand on an empty table
     * at 0x20000000, MID 2 routed to it, interrupt on fault. */
    smmu_mmio_write(f->hw, SMMU_CTX_REG(0, SMMU_TTBR0), 0x20000000u);
    smmu_mmio_write(f->hw, SMMU_CTX_REG(0, SMMU_ACTLR),
                    ACTLR_CFEIE | ACTLR_CFERE | (ACTLR_TLBMCFG_HTW << ACTLR_TLBMCFG_SHIFT));
    smmu_mmio_write(f->hw, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_M | SCTLR_TRE | SCTLR_AFE);
    smmu_mmio_write(f->hw, SMMU_M2VCBR_N(2), 0u << M2VCBR_CBNDX_SHIFT);
    assert_int_equal(do_access(f, 2, 0x00001000u, false, &t), SMMU_FAULTED);
    assert_int_equal(smmu_fault_log_count(drv), 2);
    r = smmu_fault_log_entry(drv, 1);
    assert_string_equal(r->fault.ctx, "bank0");
    assert_false(r->hooked);
    assert_string_equal(r->msg, "SMMU vcodec_a ctx bank0 [DMA Read] Request device mid 2 "
                                "fault addr 0x00001000 reason: translation fault level 1; "
                                "not stalled");
    assert_int_equal(smmu_driver_stats(drv)->unhooked, 2);
    assert_int_equal(reg(f, 0, SMMU_FSR), 0);
}

/*
 * A transaction left stalled with nobody told (the context interrupt disabled behind
 * the driver's back) is terminated, and FSR cleared, when the context is
 * deactivated: nobody is left to fix it.
 */
static void test_deactivate_releases_stalled_transaction(void **state)
{
    struct fx *f = *state;
    struct smmu_txn t;

    assert_int_equal(smmu_activate(f->dev), 0);
    /* ACTLR as the driver wrote it (0x37003) without CFEIE (bit 1): 0x37001 */
    smmu_mmio_write(f->hw, SMMU_CTX_REG(1, SMMU_ACTLR), 0x37001u);
    assert_int_equal(do_access(f, 6, 0x00200000u, false, &t), SMMU_STALLED);
    assert_int_equal(reg(f, 1, SMMU_FSR), FSR_TF | FSR_SS);
    assert_int_equal(smmu_fault_log_count(smmu_dev_driver(f->dev)), 0);
    assert_int_equal(smmu_deactivate(f->dev), 0);
    assert_int_equal(reg(f, 1, SMMU_FSR), 0);
    assert_int_equal(smmu_is_active(f->dev), 0);
}

/*
 * Unmapping a global mapping inside a bracket: with more unmaps than the batch, the
 * flush must be CTX_TLBIALL (TLBIASID would spare the global entry).
 */
static void test_batch_with_global_unmap_uses_ctx_tlbiall(void **state)
{
    struct fx *f = *state;
    struct smmu_txn t;
    const unsigned n = SMMU_TLBI_BATCH + 1;

    for (unsigned i = 0; i < n; i++)
        assert_int_equal(smmu_map(f->dev, 0x80000000u + i * SZ_4K, i * SZ_4K, SZ_4K,
                                  SMMU_ATTR_READ | (i == 0 ? SMMU_ATTR_GLOBAL : 0)), 0);
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(do_access(f, 6, 0, false, &t), SMMU_DONE);       /* the global one */
    assert_int_equal(tlb_valid_entries(smmu_tlb(f->hw)), 1);
    smmu_update_start(f->dev);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(smmu_unmap(f->dev, i * SZ_4K, SZ_4K), 0);
    smmu_update_done(f->dev);
    const struct smmu_dev_stats *st = smmu_dev_stats(f->dev);
    assert_int_equal(st->tlbi_ctx, 2);     /* activation's, and the flush of the batch */
    assert_int_equal(st->tlbi_asid, 0);
    assert_int_equal(st->tlbi_va, 0);
    assert_int_equal(tlb_valid_entries(smmu_tlb(f->hw)), 0);
    /* The context no longer has global mappings: deactivation needs only TLBIASID. */
    assert_int_equal(smmu_deactivate(f->dev), 0);
    assert_int_equal(st->tlbi_ctx, 2);     /* unchanged */
    assert_int_equal(st->tlbi_asid, 1);
}

/* A bump allocator over a larger region, for many contexts. */
struct big_alloc { uint32_t next; };

static uint32_t big_alloc_fn(void *arg, uint32_t size, uint32_t align)
{
    struct big_alloc *a = arg;
    uint32_t pa = (a->next + align - 1) & ~(align - 1);

    a->next = pa + size;
    return pa;
}

static void big_free_fn(void *arg, uint32_t pa, uint32_t size)
{
    (void)arg;
    (void)pa;
    (void)size;
}

/*
 * ASIDs 1..255 exist per SMMU (0 is CONTEXTIDR's reset value). vcodec_a_mm1 holds 1;
 * 254 more contexts get 2..255; the next bind fails with -ENOSPC and changes nothing;
 * a freed ASID is handed out again.
 */
static void test_asids_run_out(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct big_alloc ba = { .next = 0x20000000u };
    struct smmu_pt_allocator pt = { .pm = f->pm, .alloc = big_alloc_fn, .free = big_free_fn,
                                    .arg = &ba };
    static struct smmu_dev *devs[255];

    for (unsigned i = 0; i < 255; i++) {
        devs[i] = smmu_ctx_init(0, &pt);
        assert_non_null(devs[i]);
    }
    for (unsigned i = 0; i < 254; i++) {
        assert_int_equal(smmu_ctx_bind(devs[i], drv), 0);
        assert_int_equal(smmu_dev_asid(devs[i]), i + 2);
    }
    assert_int_equal(smmu_ctx_bind(devs[254], drv), -ENOSPC);
    assert_int_equal(smmu_dev_asid(devs[254]), 0);
    assert_null(smmu_dev_driver(devs[254]));
    /* devs[98] has ASID 100: free it, and the unbound context gets 100. */
    assert_int_equal(smmu_ctx_deinit(devs[98]), 0);
    devs[98] = NULL;
    assert_int_equal(smmu_ctx_bind(devs[254], drv), 0);
    assert_int_equal(smmu_dev_asid(devs[254]), 100);
    for (unsigned i = 0; i < 255; i++)
        if (devs[i])
            assert_int_equal(smmu_ctx_deinit(devs[i]), 0);
}

/*
 * Binding rules against a second SMMU: a context bound to one SMMU cannot be bound
 * to another; a context whose MIDs the SMMU does not have cannot be bound.
 */
static void test_bind_to_other_smmu_and_mid_range(void **state)
{
    struct fx *f = *state;
    struct smmu *hw2 = new_hw(f->pm, &msm8960_smmus[MSM8960_SMMU_ROT]);
    static struct smmu_driver d2;

    assert_non_null(hw2);
    assert_int_equal(smmu_drvdata_init(&d2, hw2, 0x07700000u, 60), 0);
    assert_int_equal(smmu_ctx_bind(f->dev, &d2), -EBUSY);
    assert_ptr_equal(smmu_dev_driver(f->dev), smmu_tree_driver(f->tree, 0));

    /* MID 2 on rot, which has MIDs 0..1 (any MID up to 127 is accepted unbound). */
    struct smmu_dev *d = smmu_ctx_init(0, &f->pt);
    const unsigned mids[] = { 2 };
    assert_int_equal(smmu_ctx_set_mids(d, mids, 1), 0);
    assert_int_equal(smmu_ctx_bind(d, &d2), -EINVAL);
    assert_int_equal(smmu_dev_asid(d), 0);
    assert_int_equal(smmu_ctx_deinit(d), 0);

    /* MIDs of an active context cannot change. */
    assert_int_equal(smmu_activate(f->dev), 0);
    assert_int_equal(smmu_ctx_set_mids(f->dev, mids, 1), -EBUSY);
    /* The VMID a context's MIDs get is its bank's: bank 1 -> 1. */
    assert_int_equal(smmu_dev_vmid(f->dev), 1);
    assert_int_equal(smmu_drvdata_deinit(&d2), 0);
    assert_int_equal(smmu_drvdata_deinit(&d2), -EINVAL);    /* already */
    smmu_free(hw2);
}

/* ---- Timed path: the ISR runs from the kernel, RESUME restarts a timed walk ------- */

/* The memory (tests/lib/mem_fake.h) answers every request 10 ns after it arrives. */
#define FAKE_LATENCY (10 * SIM_NS)

static unsigned timed_done_calls;
static void timed_done(struct smmu_txn *t) { (void)t; timed_done_calls++; }

static void test_timed_fault_retry(void **state)
{
    (void)state;
    struct physmem *pm = physmem_new();
    struct test_alloc ta = { .next = PT_BASE, .fail_after = ~0u };
    struct smmu_pt_allocator pt = { .pm = pm, .alloc = ta_alloc, .free = ta_free, .arg = &ta };
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, FAKE_LATENCY);
    struct smmu_config cfg = {
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000u, .tlb_lookup_cycles = 1, .max_walks = 4,
        .hit_under_miss = true,
    };
    char err[160];

    sim_reset();
    smmu_desc_fill_config(&msm8960_smmus[MSM8960_SMMU_ROT], &cfg);
    struct smmu *hw = smmu_new(&cfg, pm, &port, &port);
    assert_non_null(hw);
    struct smmu_tree *tree = smmu_tree_new(&msm8960_smmus[MSM8960_SMMU_ROT], 1, &hw, &pt,
                                           err, sizeof(err));
    /* lazy routes MIDs at activation, so rot_src's MID 0 is unrouted (msm-3.4 routes it
     * at probe: see test_driver_profiles.c) */
    assert_int_equal(smmu_tree_set_profile(tree, &smmu_profile_lazy, NULL, -1), 0);
    struct smmu_dev *dev = smmu_get_ctx_instance(tree, "rot_dst");   /* bank 1, MID 1 */
    struct hook_state h = { .ret = 1, .map = true, .pa = 0x8F00F000u };
    smmu_hook_irpt(dev, test_hook, &h);
    assert_int_equal(smmu_activate(dev), 0);

    struct smmu_txn t = { .mid = 1, .iova = 0x00ABC010u, .bytes = 64, .done = timed_done };
    struct smmu_txn g = { .mid = 0, .iova = 0x00001000u, .bytes = 64, .done = timed_done };
    timed_done_calls = 0;
    smmu_submit(hw, &t);
    smmu_submit(hw, &g);        /* MID 0 is rot_src's, not active: a global fault */
    sim_run(SIM_TIME_MAX);
    assert_int_equal(timed_done_calls, 2);
    /* walk (L1 fault) -> stall -> ISR maps 0x00ABC000 -> 0x8F00F000, retries -> walk
     * through L1 and L2 -> data access */
    assert_int_equal(t.status, SMMU_DONE);
    assert_int_equal(t.pa, 0x8F00F010u);
    assert_int_equal(h.calls, 1);
    assert_int_equal(g.status, SMMU_GLOBAL_FAULTED);
    /* the global fault raised the interrupt too: the ISR logged and cleared it */
    struct smmu_driver *drv = smmu_dev_driver(dev);
    assert_int_equal(smmu_driver_stats(drv)->global_faults, 1);
    assert_int_equal(smmu_mmio_read(hw, SMMU_ESR), 0);
    assert_int_equal(smmu_fault_log_count(drv), 2);
    assert_int_equal(smmu_mmio_read(hw, SMMU_CTX_REG(1, SMMU_FSR)), 0);

    smmu_tree_free(tree);
    smmu_free(hw);
    physmem_free(pm);
    sim_reset();
}

/* ---- Device tree ------------------------------------------------------------------ */

static void test_msm8960_tree(void **state)
{
    (void)state;
    struct physmem *pm = physmem_new();
    struct test_alloc ta = { .next = PT_BASE, .fail_after = ~0u };
    struct smmu_pt_allocator pt = { .pm = pm, .alloc = ta_alloc, .free = ta_free, .arg = &ta };
    struct smmu *hw[MSM8960_NUM_SMMUS];
    char err[200];

    assert_int_equal(smmu_desc_check(msm8960_smmus, MSM8960_NUM_SMMUS, err, sizeof(err)), 0);
    for (unsigned i = 0; i < MSM8960_NUM_SMMUS; i++) {
        hw[i] = new_hw(pm, &msm8960_smmus[i]);
        assert_non_null(hw[i]);
    }
    struct smmu_tree *tree = msm8960_smmu_tree_new(hw, &pt, err, sizeof(err));
    assert_non_null(tree);
    assert_int_equal(smmu_tree_set_profile(tree, &smmu_profile_lazy, NULL, -1), 0);
    assert_int_equal(smmu_tree_num_smmus(tree), 12);
    /* gfx3d declares 3 banks (docs/hardware.md) */
    assert_int_equal(smmu_driver_num_banks(smmu_tree_find_driver(tree, "gfx3d")), 3);
    assert_null(smmu_tree_find_driver(tree, "gfx3d0"));

    /* each context: SMMU base from docs/hardware.md, bank = position in the list */
    static const struct { const char *name; uint32_t base; unsigned bank; } want[] = {
        { "jpegd_dst", 0x07300000u, 1 }, { "vpe_src", 0x07400000u, 0 },
        { "mdp_port0_cb1", 0x07500000u, 1 }, { "mdp_port1_cb0", 0x07600000u, 0 },
        { "rot_dst", 0x07700000u, 1 }, { "ijpeg_src", 0x07800000u, 0 },
        { "vfe_misc", 0x07900000u, 1 }, { "vcodec_a_stream", 0x07A00000u, 0 },
        { "vcodec_b_mm2", 0x07B00000u, 0 }, { "gfx3d_priv", 0x07C00000u, 1 },
        { "gfx2d0_2d0", 0x07D00000u, 0 }, { "gfx2d1_2d1", 0x07E00000u, 0 },
    };
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct smmu_dev *d = smmu_get_ctx_instance(tree, want[i].name);
        assert_non_null(d);
        assert_int_equal(smmu_get_base_addr(d), want[i].base);
        assert_int_equal(smmu_dev_bank(d), want[i].bank);
        assert_string_equal(smmu_dev_name(d), want[i].name);
    }
    assert_null(smmu_get_ctx_instance(tree, "vcodec_stream"));

    /* gfx3d_priv routes MIDs 16..31 to bank 1 of gfx3d (SMMU 9) */
    struct smmu_dev *g = smmu_get_ctx_instance(tree, "gfx3d_priv");
    assert_int_equal(smmu_activate(g), 0);
    assert_int_equal(smmu_mmio_read(hw[9], SMMU_M2VCBR_N(16)) & 0xFFFFu, 0x0101u);
    assert_int_equal(smmu_mmio_read(hw[9], SMMU_M2VCBR_N(31)) & 0xFFFFu, 0x0101u);
    assert_int_equal(smmu_mmio_read(hw[9], SMMU_M2VCBR_N(15)), 0xFF00u);
    /* the tree frees the instances still held, active or not */
    smmu_tree_free(tree);
    assert_int_equal(ta.frees, ta.allocs);
    for (unsigned i = 0; i < MSM8960_NUM_SMMUS; i++)
        smmu_free(hw[i]);
    physmem_free(pm);
}

static void test_tree_errors(void **state)
{
    (void)state;
    struct physmem *pm = physmem_new();
    struct test_alloc ta = { .next = PT_BASE, .fail_after = ~0u };
    struct smmu_pt_allocator pt = { .pm = pm, .alloc = ta_alloc, .free = ta_free, .arg = &ta };
    struct smmu_desc d[2];
    char err[200];

    memcpy(d, &msm8960_smmus[MSM8960_SMMU_ROT], sizeof(d[0]));
    memcpy(&d[1], &msm8960_smmus[MSM8960_SMMU_IJPEG], sizeof(d[1]));
    d[1].ctx[0].name = "rot_src";
    assert_int_equal(smmu_desc_check(d, 2, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "context name rot_src is used twice; context names must be "
                             "unique in the tree");
    d[1].ctx[0].name = "ijpeg_src";
    d[1].ctx[1].mids[0] = 2;      /* ijpeg has MIDs 0..1 */
    assert_int_equal(smmu_desc_check(d, 2, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "SMMU ijpeg context ijpeg_dst: MID 2 must be in 0..1 (the SMMU's MIDs)");
    d[1].ctx[1].mids[0] = 0;      /* MID 0 is ijpeg_src's */
    assert_int_equal(smmu_desc_check(d, 2, err, sizeof(err)), -EINVAL);
    d[1].ctx[1].mids[0] = 1;
    d[1].nbanks = 9;
    assert_int_equal(smmu_desc_check(d, 2, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "SMMU ijpeg: banks (9) must be in 1..8");
    d[1].nbanks = 2;
    assert_int_equal(smmu_desc_check(d, 2, err, sizeof(err)), 0);

    /* hardware built with 3 banks for a 2-bank description */
    struct smmu_desc three = d[0];
    three.nbanks = 3;
    struct smmu *hw[2] = { new_hw(pm, &three), new_hw(pm, &d[1]) };
    assert_null(smmu_tree_new(d, 2, hw, &pt, err, sizeof(err)));
    assert_string_equal(err, "SMMU rot: the hardware has 3 banks and 2 MIDs, the description "
                             "2 banks and 2 MIDs");
    assert_int_equal(ta.allocs, 0);
    smmu_free(hw[0]);
    smmu_free(hw[1]);
    physmem_free(pm);
}

static void test_bind_rules(void **state)
{
    struct fx *f = *state;
    struct smmu_driver *drv = smmu_dev_driver(f->dev);
    struct smmu_dev *d = smmu_ctx_init(2, &f->pt);     /* vcodec_a has banks 0..1 */

    assert_non_null(d);
    assert_int_equal(smmu_ctx_bind(d, drv), -EINVAL);
    assert_int_equal(smmu_dev_asid(d), 0);
    assert_int_equal(smmu_activate(d), -EINVAL);        /* not bound */
    assert_int_equal(smmu_ctx_deinit(d), 0);
    d = smmu_ctx_init(0, &f->pt);
    assert_int_equal(smmu_ctx_bind(d, drv), 0);
    assert_int_equal(smmu_ctx_bind(d, drv), 0);         /* again: nothing */
    assert_int_equal(smmu_dev_asid(d), 2);
    assert_int_equal(smmu_drvdata_deinit(drv), -EBUSY); /* contexts still bound */
    assert_int_equal(smmu_ctx_deinit(d), 0);
    /* ASID 2 is free again */
    d = smmu_ctx_init(0, &f->pt);
    assert_int_equal(smmu_ctx_bind(d, drv), 0);
    assert_int_equal(smmu_dev_asid(d), 2);
    assert_int_equal(smmu_ctx_deinit(d), 0);
}

/* A transaction left stalled by whoever ran the SMMU before is terminated by init. */
static void test_init_releases_stalled_transaction(void **state)
{
    (void)state;
    struct physmem *pm = physmem_new();
    struct smmu *hw = new_hw(pm, &msm8960_smmus[MSM8960_SMMU_ROT]);
    static struct smmu_driver drv;
    struct smmu_txn t = { .mid = 0, .iova = 0x00001000u, .bytes = 4 };

    /* Bank 0 on an empty table at 0x20000000, walks on a miss, stall on fault, no
     * interrupt. */
    smmu_mmio_write(hw, SMMU_CTX_REG(0, SMMU_TTBR0), 0x20000000u);
    smmu_mmio_write(hw, SMMU_CTX_REG(0, SMMU_ACTLR),
                    ACTLR_CFCFG | (ACTLR_TLBMCFG_HTW << ACTLR_TLBMCFG_SHIFT));
    smmu_mmio_write(hw, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_M);
    smmu_mmio_write(hw, SMMU_M2VCBR_N(0), 0u << M2VCBR_CBNDX_SHIFT);
    assert_int_equal(smmu_access(hw, &t), SMMU_STALLED);
    assert_int_equal(smmu_mmio_read(hw, SMMU_CTX_REG(0, SMMU_FSR)), FSR_TF | FSR_SS);

    assert_int_equal(smmu_drvdata_init(&drv, hw, 0x07700000u, 60), 0);
    assert_int_equal(smmu_mmio_read(hw, SMMU_CTX_REG(0, SMMU_FSR)), 0);
    assert_int_equal(smmu_mmio_read(hw, SMMU_CTX_REG(0, SMMU_SCTLR)), 0);
    assert_int_equal(smmu_mmio_read(hw, SMMU_M2VCBR_N(0)), 0xFF00u);
    assert_int_equal(smmu_drvdata_deinit(&drv), 0);
    smmu_free(hw);
    physmem_free(pm);
}

static void expect_desc_error(const struct smmu_desc *d, unsigned n, const char *msg)
{
    char err[200] = "";

    assert_int_equal(smmu_desc_check(d, n, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, msg);
}

static void test_desc_check_messages(void **state)
{
    (void)state;
    struct smmu_desc d[2];

    expect_desc_error(NULL, 1, "no SMMU descriptions given (need at least 1)");
    expect_desc_error(msm8960_smmus, 0, "no SMMU descriptions given (need at least 1)");
    memcpy(d, &msm8960_smmus[MSM8960_SMMU_ROT], sizeof(d[0]));
    memcpy(&d[1], &msm8960_smmus[MSM8960_SMMU_IJPEG], sizeof(d[1]));
    assert_int_equal(smmu_desc_check(d, 2, NULL, 0), 0);

    d[0].name = "";
    expect_desc_error(d, 2, "SMMU 0: name must be 1..31 characters");
    d[0].name = "ijpeg";
    expect_desc_error(d, 2, "SMMU name ijpeg is used twice; SMMU names must be unique");
    d[0].name = "rot";
    d[0].nmids = 0;
    expect_desc_error(d, 2, "SMMU rot: MIDs (0) must be in 1..128");
    d[0].nmids = 2;
    d[0].nctx = 3;
    expect_desc_error(d, 2, "SMMU rot: contexts (3) must be in 0..4 (and at most the bank "
                            "count 2)");
    d[0].nctx = 2;
    d[0].ctx[1].name = "";
    expect_desc_error(d, 2, "SMMU rot context 1: name must be 1..31 characters");
    d[0].ctx[1].name = "rot_dst";
    d[0].ctx[1].bank = 2;
    expect_desc_error(d, 2, "SMMU rot context rot_dst: bank 2 must be in 0..1");
    d[0].ctx[1].bank = 0;
    expect_desc_error(d, 2, "SMMU rot: contexts rot_src and rot_dst are both on bank 0; "
                            "each bank takes one context");
    d[0].ctx[1].bank = 1;
    d[0].ctx[1].nmids = 0;
    expect_desc_error(d, 2, "SMMU rot context rot_dst: MID count 0 must be in 1..32");
    d[0].ctx[1].nmids = 1;
    d[0].ctx[1].mids[0] = 0;
    expect_desc_error(d, 2, "SMMU rot: MID 0 is listed twice (context rot_src and rot_dst); "
                            "each MID routes to one context");
}

static void test_tree_new_needs_hardware_and_allocator(void **state)
{
    (void)state;
    struct physmem *pm = physmem_new();
    struct test_alloc ta = { .next = PT_BASE, .fail_after = ~0u };
    struct smmu_pt_allocator pt = { .pm = pm, .alloc = ta_alloc, .free = ta_free, .arg = &ta };
    struct smmu_pt_allocator no_mem = { .alloc = ta_alloc, .arg = &ta };
    const struct smmu_desc *rot = &msm8960_smmus[MSM8960_SMMU_ROT];
    struct smmu *none[1] = { NULL };
    char err[200];

    assert_null(smmu_tree_new(NULL, 0, none, &pt, err, sizeof(err)));
    assert_string_equal(err, "no SMMU descriptions given (need at least 1)");
    assert_null(smmu_tree_new(rot, 1, NULL, &pt, err, sizeof(err)));
    assert_string_equal(err, "the SMMU array and a page-table allocator with memory are "
                             "required");
    assert_null(smmu_tree_new(rot, 1, none, &no_mem, err, sizeof(err)));
    assert_string_equal(err, "the SMMU array and a page-table allocator with memory are "
                             "required");
    assert_null(smmu_tree_new(rot, 1, none, &pt, err, sizeof(err)));
    assert_string_equal(err, "SMMU rot: no hardware instance given");
    assert_int_equal(ta.allocs, 0);
    physmem_free(pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_teardown_frees_every_l2, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_map_4k_descriptor, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_map_64k_descriptor, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_map_1m_descriptor, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_map_16m_descriptor, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_cache_policy_bits, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_map_bad_arguments, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_map_refuses_overwrite, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_rules, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_l2_table_lifetime, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_table_memory, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_split_tables, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_drvdata_init_reads_idr, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_bringup_registers, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_translate_each_size, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_priv_only_mapping, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_activate_bypass, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_unrouted_mid_faults_globally, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_invalidates_tlb, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_many_unmaps_use_tlbiasid, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_fault_no_hook_terminates_and_logs, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_fault_hook_retry_maps_page, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_fault_hook_terminate, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_fault_retry_limit, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_fault_log_bounded, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_context_switch, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_mid_conflict_and_global_invalidation, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_split_through_hardware, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_bind_rules, setup_hw, teardown),
        cmocka_unit_test(test_timed_fault_retry),
        cmocka_unit_test(test_msm8960_tree),
        cmocka_unit_test(test_tree_errors),
        cmocka_unit_test_setup_teardown(test_misaligned_table_memory_refused, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_shared_small_page, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_refuses_inconsistent_runs, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments, setup_pt, teardown),
        cmocka_unit_test_setup_teardown(test_fault_not_stalled_and_unowned_bank, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_deactivate_releases_stalled_transaction, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_batch_with_global_unmap_uses_ctx_tlbiall, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_asids_run_out, setup_hw, teardown),
        cmocka_unit_test_setup_teardown(test_bind_to_other_smmu_and_mid_range, setup_hw, teardown),
        cmocka_unit_test(test_init_releases_stalled_transaction),
        cmocka_unit_test(test_desc_check_messages),
        cmocka_unit_test(test_tree_new_needs_hardware_and_allocator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
