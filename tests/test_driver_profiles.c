/*
 * test_driver_profiles.c - the driver profiles (vcm/smmu_profile.c) against what the
 * kernels they follow write: MID routing at probe, bring-up registers, ASID reuse by
 * table, the invalidations of per-page and range updates, V2P, detach, the cache
 * cleans of table memory and their time, the secure VMID, and the fault hook's
 * convention. Then, through the SMMU model, what sharing a table means for walks.
 *
 * The platform: the MSM8960's vcodec_a SMMU (docs/hardware.md [B]): 2 banks, MIDs 0..15;
 * vcodec_a_stream on bank 0 (MIDs 2, 5), vcodec_a_mm1 on bank 1 (MIDs 0, 1, 6..15).
 * Register values are worked out from the field positions of msm_iommu_hw-8xxx.h
 * (in the comments), never from the driver's helpers.
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
#include "vcm/msm8960.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"

#define MMIO_PS     (100 * SIM_NS)
#define LINE_PS     (20 * SIM_NS)
#define ALL_PS      (5 * SIM_US)

/* M2VCBR_N: NSCFG = 3 at [23:22], CBNDX at [15:8], VMID at [4:0] */
#define M2VCBR(bank, vmid)  (0x00C00000u | ((bank) << 8) | (vmid))

struct plat {
    struct physmem *pm;
    struct phys_target *tables;
    struct smmu_pt_allocator pt;
    struct smmu *hw;
    struct smmu_tree *tree;
    struct smmu_driver *drv;
    struct smmu_dev *mm1, *stream;
};

static const struct smmu_driver_costs costs = {
    .mmio_ps = MMIO_PS, .clean_line_ps = LINE_PS, .clean_line_bytes = 64, .clean_all_ps = ALL_PS,
};

/* The vcodec_a SMMU and its two contexts under `profile` (NULL: the default). */
static void plat_up(struct plat *p, const struct smmu_profile *profile)
{
    struct phys_target_cfg tc = { .cont_base = 0x10000000u, .cont_size = 0x100000u };
    const struct smmu_desc *d = &msm8960_smmus[MSM8960_SMMU_VCODEC_A];
    struct smmu_config cfg = {
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000u, .tlb_lookup_cycles = 1, .max_walks = 1,
        .hit_under_miss = true,
    };
    char err[160];

    memset(p, 0, sizeof(*p));
    p->pm = physmem_new();
    p->tables = phys_target_create(&tc, err, sizeof(err));
    assert_non_null(p->tables);
    p->pt = (struct smmu_pt_allocator){ .pm = p->pm, .alloc = phys_pt_alloc,
                                        .free = phys_pt_free, .arg = p->tables };
    smmu_desc_fill_config(d, &cfg);
    p->hw = smmu_new(&cfg, p->pm, NULL, NULL);
    assert_non_null(p->hw);
    p->tree = smmu_tree_new(d, 1, &p->hw, &p->pt, err, sizeof(err));
    assert_non_null(p->tree);
    if (profile)
        assert_int_equal(smmu_tree_set_profile(p->tree, profile, &costs, -1), 0);
    p->drv = smmu_tree_driver(p->tree, 0);
    p->mm1 = smmu_get_ctx_instance(p->tree, "vcodec_a_mm1");
    p->stream = smmu_get_ctx_instance(p->tree, "vcodec_a_stream");
    assert_non_null(p->mm1);
    assert_non_null(p->stream);
}

static void plat_down(struct plat *p)
{
    smmu_tree_free(p->tree);
    smmu_free(p->hw);
    phys_target_destroy(p->tables);
    physmem_free(p->pm);
}

static uint32_t ctx_reg(const struct plat *p, unsigned bank, uint32_t r)
{
    return smmu_mmio_read(p->hw, SMMU_CTX_REG(bank, r));
}

static enum smmu_status read_at(struct plat *p, unsigned mid, uint32_t iova, struct smmu_txn *t)
{
    memset(t, 0, sizeof(*t));
    t->mid = (uint16_t)mid;
    t->iova = iova;
    t->bytes = 64;
    return smmu_access(p->hw, t);
}

#define RW (SMMU_ATTR_READ | SMMU_ATTR_WRITE)

/* ---- Routing and bring-up ------------------------------------------------------------- */

static void test_msm34_routes_every_mid_at_probe(void **state)
{
    struct plat p;

    (void)state;
    plat_up(&p, NULL);
    assert_string_equal(smmu_driver_profile(p.drv)->name, "msm-3.4");
    /* msm_iommu_dev.c ctx probe: VMID 0, CBNDX = the bank, NSCFG 3, before any attach */
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_M2VCBR_N(0)), M2VCBR(1, 0));
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_M2VCBR_N(15)), M2VCBR(1, 0));
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_M2VCBR_N(2)), M2VCBR(0, 0));
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_M2VCBR_N(5)), M2VCBR(0, 0));
    /* MIDs 3 and 4 belong to no context: unrouted (CBNDX 0xFF) */
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_M2VCBR_N(3)), 0xFF00u);
    /* CBACR_N: CBVMID 0 for both banks */
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_CBACR_N(0)), 0);
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_CBACR_N(1)), 0);
    /* and so the traffic of a context nobody attached passes through bank 1 (M = 0) */
    struct smmu_txn t;
    assert_int_equal(read_at(&p, 6, 0x00123440u, &t), SMMU_DONE);
    assert_true(t.bypassed);
    assert_int_equal(t.pa, 0x00123440u);
    plat_down(&p);
}

static void test_msm34_bringup_registers(void **state)
{
    struct plat p;

    (void)state;
    plat_up(&p, NULL);
    assert_int_equal(smmu_activate(p.mm1), 0);
    /* SCTLR: M (0) | TRE (1); no AFE */
    assert_int_equal(ctx_reg(&p, 1, SMMU_SCTLR), 0x3u);
    /* ACTLR: CFEIE (1) 0x2 | RCOSH (4) 0x10 | RCISH (5) 0x20 | RCNSH (6) 0x40 |
     * TLBMCFG = 3 at 12 0x3000 | CFCFG (14) 0x4000 | V2PCFG = 3 at 16 0x30000 */
    assert_int_equal(ctx_reg(&p, 1, SMMU_ACTLR), 0x37072u);
    assert_int_equal(ctx_reg(&p, 1, SMMU_TTBR0), smmu_dev_ttbr0(p.mm1));
    /* __program_context: bank 0 is reset (ASID 0), so the lowest ASID free is 1 */
    assert_int_equal(ctx_reg(&p, 1, SMMU_CONTEXTIDR), 1);
    assert_int_equal(smmu_dev_asid(p.mm1), 1);
    assert_int_equal(smmu_dev_vmid(p.mm1), 0);
    plat_down(&p);
}

static void test_msm34_asid_follows_the_table(void **state)
{
    struct plat p;

    (void)state;
    plat_up(&p, NULL);
    /* one table for both: the second bank reuses the first's ASID */
    assert_int_equal(smmu_ctx_share_table(p.stream, p.mm1), 0);
    assert_int_equal(smmu_dev_ttbr0(p.stream), smmu_dev_ttbr0(p.mm1));
    assert_int_equal(smmu_activate(p.mm1), 0);
    assert_int_equal(smmu_activate(p.stream), 0);
    assert_int_equal(ctx_reg(&p, 0, SMMU_CONTEXTIDR), 1);
    assert_int_equal(ctx_reg(&p, 1, SMMU_CONTEXTIDR), 1);
    assert_int_equal(ctx_reg(&p, 0, SMMU_TTBR0), ctx_reg(&p, 1, SMMU_TTBR0));
    /* a context of another table on bank 0: bank 1 holds ASID 1, so 0 */
    struct smmu_dev *other = smmu_get_ctx_instance(p.tree, "vcodec_a_stream");
    assert_non_null(other);
    assert_int_equal(smmu_activate(other), 0);      /* switches bank 0 */
    assert_int_equal(smmu_dev_asid(other), 0);
    assert_int_equal(ctx_reg(&p, 0, SMMU_CONTEXTIDR), 0);
    /* sharing needs an empty table and an inactive context */
    assert_int_equal(smmu_map(p.mm1, 0x80000000u, 0x00100000u, SZ_4K, RW), 0);
    assert_int_equal(smmu_ctx_share_table(other, p.mm1), -EBUSY);     /* active */
    assert_int_equal(smmu_deactivate(other), 0);
    assert_int_equal(smmu_map(other, 0x80001000u, 0x00200000u, SZ_4K, RW), 0);
    assert_int_equal(smmu_ctx_share_table(other, p.mm1), -EBUSY);     /* has a mapping */
    assert_int_equal(smmu_ctx_share_table(p.mm1, p.mm1), -EINVAL);
    plat_down(&p);
}

/* ---- Invalidation ------------------------------------------------------------------------ */

/* mm1 and stream on one table, both active: msm-3.4's two kinds of update. */
static void test_msm34_page_and_range_updates(void **state)
{
    struct plat p;

    (void)state;
    plat_up(&p, &smmu_profile_msm34);
    assert_int_equal(smmu_ctx_share_table(p.stream, p.mm1), 0);
    assert_int_equal(smmu_activate(p.mm1), 0);
    assert_int_equal(smmu_activate(p.stream), 0);
    const struct smmu_driver_stats *ds = smmu_driver_stats(p.drv);
    uint64_t writes0 = ds->tlbi_writes;
    sim_time_t maint0 = ds->maint_ps;

    /* msm_iommu_map of 5 pages, one call each: TLBIVA on every attached context */
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(smmu_map(p.mm1, 0x80000000u + i * SZ_4K, 0x00100000u + i * SZ_4K,
                                  SZ_4K, RW), 0);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_va, 5);
    assert_int_equal(smmu_dev_stats(p.stream)->tlbi_va, 5);
    assert_int_equal(ds->tlbi_writes - writes0, 10);
    assert_int_equal(ds->maint_ps - maint0, 10 * MMIO_PS);

    /* msm_iommu_map_range of 5 more: one TLBIASID per context at the end */
    assert_int_equal(smmu_update_start(p.stream), 0);
    for (unsigned i = 5; i < 10; i++)
        assert_int_equal(smmu_map(p.stream, 0x80000000u + i * SZ_4K, 0x00100000u + i * SZ_4K,
                                  SZ_4K, RW), 0);
    assert_int_equal(smmu_update_done(p.stream), 0);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_asid, 1);
    assert_int_equal(smmu_dev_stats(p.stream)->tlbi_asid, 1);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_va, 5);
    assert_int_equal(ds->tlbi_writes - writes0, 12);
    /* the maps of the shared table are counted on its first context */
    assert_int_equal(smmu_dev_stats(p.mm1)->maps[PAGE_4K], 10);
    assert_int_equal(smmu_dev_stats(p.stream)->maps[PAGE_4K], 0);
    plat_down(&p);
}

static void test_mainline_invalidates_everything_per_page(void **state)
{
    struct plat p;
    uint32_t pa;

    (void)state;
    plat_up(&p, &smmu_profile_mainline);
    assert_int_equal(smmu_ctx_share_table(p.stream, p.mm1), 0);
    assert_int_equal(smmu_activate(p.mm1), 0);
    assert_int_equal(smmu_activate(p.stream), 0);
    /* no map_range: the IOMMU core maps page by page, each with __flush_iotlb */
    assert_int_equal(smmu_update_start(p.mm1), 0);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(smmu_map(p.mm1, 0x80000000u + i * SZ_4K, 0x00100000u + i * SZ_4K,
                                  SZ_4K, RW), 0);
    assert_int_equal(smmu_update_done(p.mm1), 0);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_ctx, 5);
    assert_int_equal(smmu_dev_stats(p.stream)->tlbi_ctx, 5);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_asid, 0);
    /* iova_to_phys: CTX_TLBIALL of the one context before V2PPR */
    assert_int_equal(smmu_translate(p.mm1, 0x00102010u, &pa), 0);
    assert_int_equal(pa, 0x80002010u);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_ctx, 6);
    assert_int_equal(smmu_dev_stats(p.stream)->tlbi_ctx, 5);
    /* mainline sets AFE: SCTLR = M | TRE | AFE */
    assert_int_equal(ctx_reg(&p, 1, SMMU_SCTLR), 0x7u);
    plat_down(&p);
}

/*
 * vcm-2010: a table per context and no ASID programmed (CONTEXTIDR stays 0); a
 * CTX_TLBIALL while the bank is programmed and at every smmu_update_done; the whole
 * cache cleaned at activation, after every map and at every update_done.
 */
static void test_vcm2010_updates_and_cleans(void **state)
{
    struct plat p;

    (void)state;
    plat_up(&p, &smmu_profile_vcm2010);
    assert_int_equal(smmu_activate(p.mm1), 0);
    assert_int_equal(ctx_reg(&p, 1, SMMU_CONTEXTIDR), 0);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_ctx, 1);
    assert_int_equal(smmu_update_start(p.mm1), 0);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(smmu_map(p.mm1, 0x80000000u + i * SZ_4K, 0x00100000u + i * SZ_4K,
                                  SZ_4K, RW), 0);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_ctx, 1);
    assert_int_equal(smmu_update_done(p.mm1), 0);
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_ctx, 2);
    const struct smmu_driver_stats *ds = smmu_driver_stats(p.drv);
    assert_int_equal(ds->clean_alls, 1 + 5 + 1);
    assert_int_equal(ds->clean_ps, 7 * ALL_PS);
    assert_int_equal(ds->clean_lines, 0);
    /* the other context keeps its own (empty) table */
    assert_true(smmu_dev_ttbr0(p.stream) != smmu_dev_ttbr0(p.mm1));
    plat_down(&p);
}

static void test_msm34_detach(void **state)
{
    struct plat p;
    struct smmu_txn t;

    (void)state;
    plat_up(&p, &smmu_profile_msm34);
    assert_int_equal(smmu_map(p.mm1, 0x80000000u, 0x00100000u, SZ_4K, RW), 0);
    assert_int_equal(smmu_activate(p.mm1), 0);
    assert_int_equal(read_at(&p, 0, 0x00100040u, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0x80000040u);
    assert_int_equal(tlb_valid_entries(smmu_tlb(p.hw)), 1);
    assert_int_equal(smmu_deactivate(p.mm1), 0);
    /* detach: TLBIASID, then __reset_context */
    assert_int_equal(smmu_dev_stats(p.mm1)->tlbi_asid, 1);
    assert_int_equal(tlb_valid_entries(smmu_tlb(p.hw)), 0);
    assert_int_equal(ctx_reg(&p, 1, SMMU_SCTLR), 0);
    assert_int_equal(ctx_reg(&p, 1, SMMU_TTBR0), 0);
    assert_int_equal(ctx_reg(&p, 1, SMMU_CONTEXTIDR), 0);
    /* the MIDs stay routed from probe: the bank passes them through */
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_M2VCBR_N(0)), M2VCBR(1, 0));
    assert_int_equal(read_at(&p, 0, 0x00100040u, &t), SMMU_DONE);
    assert_true(t.bypassed);
    assert_int_equal(t.pa, 0x00100040u);
    plat_down(&p);
}

/* ---- Cache cleans of table memory ------------------------------------------------------- */

/*
 * clean_pte after each write, in 64-byte lines: a 4K page into an empty 1 MiB region
 * allocates an L2 table (1 KiB, zeroed: 16 lines) and writes its L1 entry (1 line);
 * a second 4K page in that table, 1 line; a 64K page (16 descriptors, 64 bytes at a
 * multiple of 64), 1 line; a 1M section, 1 line: 20 lines of 20 ns.
 */
static void test_msm34_cleans_the_lines_written(void **state)
{
    struct plat p;

    (void)state;
    plat_up(&p, &smmu_profile_msm34);
    const struct smmu_driver_stats *ds = smmu_driver_stats(p.drv);
    assert_int_equal(smmu_map(p.mm1, 0x80000000u, 0x00100000u, SZ_4K, RW), 0);
    assert_int_equal(ds->clean_lines, 17);
    assert_int_equal(smmu_map(p.mm1, 0x80001000u, 0x00101000u, SZ_4K, RW), 0);
    assert_int_equal(ds->clean_lines, 18);
    assert_int_equal(smmu_map(p.mm1, 0x80010000u, 0x00110000u, SZ_64K, RW), 0);
    assert_int_equal(ds->clean_lines, 19);
    assert_int_equal(smmu_map(p.mm1, 0x80100000u, 0x00300000u, SZ_1M, RW), 0);
    assert_int_equal(ds->clean_lines, 20);
    assert_int_equal(ds->clean_ps, 20 * LINE_PS);
    /* a cacheable table (MSM_IOMMU_DOMAIN_PT_CACHEABLE) needs no clean */
    assert_int_equal(smmu_ctx_set_pt_cacheable(p.stream, true), 0);
    assert_int_equal(smmu_map(p.stream, 0x80200000u, 0x00100000u, SZ_4K, RW), 0);
    assert_int_equal(ds->clean_lines, 20);
    /* and its TTBR0 says so: SH (1) | ORGN = 01 at [4:3] | NOS (5) | IRGN[0] (6) */
    assert_int_equal(smmu_activate(p.stream), 0);
    assert_int_equal(ctx_reg(&p, 0, SMMU_TTBR0), smmu_dev_ttbr0(p.stream) | 0x6Au);
    assert_int_equal(smmu_ctx_set_pt_cacheable(p.stream, false), -EBUSY);
    /* asking again for what the table already is is no change: the second context of a
     * shared cacheable table attaches while the first is active */
    assert_int_equal(smmu_ctx_set_pt_cacheable(p.stream, true), 0);
    plat_down(&p);
}

static void test_secure_vmid(void **state)
{
    struct plat p;

    (void)state;
    plat_up(&p, &smmu_profile_msm34);
    assert_int_equal(smmu_ctx_set_vmid(p.mm1, 32), -EINVAL);
    assert_int_equal(smmu_ctx_set_vmid(p.mm1, 31), 0);
    assert_int_equal(smmu_activate(p.mm1), 0);
    assert_int_equal(smmu_ctx_set_vmid(p.mm1, 30), -EBUSY);
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_M2VCBR_N(0)), M2VCBR(1, 31));
    /* CBACR_N: CBVMID at [20:16] */
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_CBACR_N(1)), 31u << 16);
    assert_int_equal(smmu_dev_vmid(p.mm1), 31);
    assert_int_equal(smmu_deactivate(p.mm1), 0);
    assert_int_equal(smmu_mmio_read(p.hw, SMMU_M2VCBR_N(0)), M2VCBR(1, 0));
    plat_down(&p);
}

/* ---- Fault hooks ------------------------------------------------------------------------- */

struct hook_arg {
    int ret;
    unsigned calls;
};

static int map_and_answer(struct smmu_dev *dev, void *data, const struct smmu_fault *f)
{
    struct hook_arg *h = data;

    h->calls++;
    smmu_map(dev, 0x80000000u, f->far & ~(SZ_4K - 1), SZ_4K, RW);
    return h->ret;
}

/* The same hook, which maps the page and answers 0: vcm-2010 retries, msm-3.4 terminates. */
static void test_hook_convention(void **state)
{
    const struct smmu_profile *profiles[] = { &smmu_profile_vcm2010, &smmu_profile_msm34 };
    const enum smmu_status want[] = { SMMU_DONE, SMMU_FAULTED };

    (void)state;
    for (unsigned i = 0; i < 2; i++) {
        struct plat p;
        struct hook_arg h = { .ret = 0 };
        struct smmu_txn t;
        plat_up(&p, profiles[i]);
        assert_int_equal(smmu_hook_irpt(p.mm1, map_and_answer, &h), 0);
        assert_int_equal(smmu_activate(p.mm1), 0);
        assert_int_equal(read_at(&p, 0, 0x00400080u, &t), want[i]);
        assert_int_equal(h.calls, 1);
        const struct smmu_driver_stats *ds = smmu_driver_stats(p.drv);
        assert_int_equal(ds->retried, i == 0 ? 1 : 0);
        assert_int_equal(ds->terminated, i == 0 ? 0 : 1);
        plat_down(&p);
    }
}

/* ---- What a shared table means for the walks -------------------------------------------- */

/*
 * Two contexts of one domain on one SMMU read the same 8 pages, mm1 (MID 0) first,
 * then stream (MID 2). msm-3.4: one table, ASID 1 and VMID 0 for both, so stream hits
 * what mm1 filled: 8 walks. lazy: two tables, VMIDs 1 and 0, ASIDs 1 and 2: 16.
 */
static unsigned walks_for_two_readers(const struct smmu_profile *profile)
{
    struct plat p;
    struct smmu_txn t;

    plat_up(&p, profile);
    if (profile->shared_tables)
        assert_int_equal(smmu_ctx_share_table(p.stream, p.mm1), 0);
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(smmu_map(p.mm1, 0x80000000u + i * SZ_4K, 0x00100000u + i * SZ_4K,
                                  SZ_4K, RW), 0);
        if (!profile->shared_tables)
            assert_int_equal(smmu_map(p.stream, 0x80000000u + i * SZ_4K,
                                      0x00100000u + i * SZ_4K, SZ_4K, RW), 0);
    }
    assert_int_equal(smmu_activate(p.mm1), 0);
    assert_int_equal(smmu_activate(p.stream), 0);
    for (unsigned mid = 0; mid <= 2; mid += 2)
        for (unsigned i = 0; i < 8; i++) {
            assert_int_equal(read_at(&p, mid, 0x00100000u + i * SZ_4K, &t), SMMU_DONE);
            assert_int_equal(t.pa, 0x80000000u + i * SZ_4K);
        }
    unsigned walks = (unsigned)(smmu_ctx_stats(p.hw, 0)->walks + smmu_ctx_stats(p.hw, 1)->walks);
    plat_down(&p);
    return walks;
}

static void test_shared_table_shares_tlb_entries(void **state)
{
    (void)state;
    assert_int_equal(walks_for_two_readers(&smmu_profile_msm34), 8);
    assert_int_equal(walks_for_two_readers(&smmu_profile_lazy), 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msm34_routes_every_mid_at_probe),
        cmocka_unit_test(test_msm34_bringup_registers),
        cmocka_unit_test(test_msm34_asid_follows_the_table),
        cmocka_unit_test(test_msm34_page_and_range_updates),
        cmocka_unit_test(test_mainline_invalidates_everything_per_page),
        cmocka_unit_test(test_vcm2010_updates_and_cleans),
        cmocka_unit_test(test_msm34_detach),
        cmocka_unit_test(test_msm34_cleans_the_lines_written),
        cmocka_unit_test(test_secure_vmid),
        cmocka_unit_test(test_hook_convention),
        cmocka_unit_test(test_shared_table_shares_tlb_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
