/*
 * test_smmu_maint.c - TLB maintenance takes time (models/smmu_maint.c): a TLB
 * operation takes effect when its write arrives and keeps the SMMU busy for
 * tlb_op_cycles; a translation arriving meanwhile waits. First at the register
 * interface (smmu_mmio_write_at), then through the driver, whose writes arrive at the
 * end of their configuration-port access.
 *
 * Timings: the SMMU clock is 200 MHz (5 ns a cycle): lookup 1 cycle = 5 ns, walk
 * start-up 2 cycles = 10 ns, tlb_op_cycles 32 = 160 ns. The memory behind it
 * (tests/lib/mem_fake.h) answers every request 100 ns after it arrives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "sim/core/kernel.h"
#include "tests/lib/mem_fake.h"
#include "vcm/msm8960.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"

#define NS          SIM_NS
#define OP_PS       (160 * NS)      /* 32 cycles of 5 ns */
#define L1_BASE     0x00100000u
#define MID         1u
#define ASID        7u

/*
 * VA 0x40000000 -> section at PA 0x80000000, user RW, nG: 0x80000000 | AP0 (1 << 10)
 * | AP1 (1 << 11) | nG (1 << 17) | 0b10 = 0x80020C02 at L1 index 0x400.
 */
#define SECT_VA     0x40000000u

static struct smmu_config config(void)
{
    struct smmu_config c = {
        .name = "maint", .base = 0x07700000, .nbanks = 2, .nmids = 16, .irq = 59,
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000, .tlb_lookup_cycles = 1, .walk_overhead_cycles = 2,
        .max_walks = 4, .hit_under_miss = true, .tlb_op_cycles = 32,
    };
    return c;
}

struct fx {
    struct physmem *pm;
    struct smmu *s;
    struct fake_mem mem;
    struct mem_port port;
};

/* Bank 0 translating through L1_BASE with ASID 7, VMID 3, MID 1 routed to it. */
static void fx_up(struct fx *f)
{
    struct smmu_config c = config();

    sim_reset();
    f->pm = physmem_new();
    physmem_write32(f->pm, L1_BASE + 0x400 * 4, 0x80020C02u);
    f->port = fake_mem_init(&f->mem, 100 * NS);
    f->s = smmu_new(&c, f->pm, &f->port, &f->port);
    assert_non_null(f->s);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_ACTLR),
                    ACTLR_CFEIE | ACTLR_CFERE | (ACTLR_TLBMCFG_HTW << ACTLR_TLBMCFG_SHIFT));
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_CONTEXTIDR), ASID);
    smmu_mmio_write(f->s, SMMU_CBACR_N(0), 3u << CBACR_CBVMID_SHIFT);
    smmu_mmio_write(f->s, SMMU_M2VCBR_N(MID), 3u);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE | SCTLR_M);
}

static void fx_down(struct fx *f)
{
    smmu_free(f->s);
    physmem_free(f->pm);
}

/* ---- Transactions submitted at a chosen time -------------------------------------- */

struct timed_txn {
    struct smmu *s;
    struct smmu_txn t;
    sim_time_t done;
};

static void txn_done(struct smmu_txn *t)
{
    ((struct timed_txn *)t->owner)->done = sim_now();
}

static void submit_now(void *arg)
{
    struct timed_txn *x = arg;
    smmu_submit(x->s, &x->t);
}

/* x is read at sim_now() + delay, to va. */
static void submit_in(struct timed_txn *x, struct smmu *s, uint32_t va, sim_time_t delay)
{
    memset(x, 0, sizeof(*x));
    x->s = s;
    x->t = (struct smmu_txn){ .mid = MID, .iova = va, .bytes = 64, .done = txn_done, .owner = x };
    sim_schedule(delay, submit_now, x);
}

struct timed_write {
    struct smmu *s;
    uint32_t off, v;
    sim_time_t at;
};

static void write_now(void *arg)
{
    struct timed_write *w = arg;
    smmu_mmio_write_at(w->s, w->off, w->v, w->at);
}

/* The section's entry in the TLB: miss at 0, L1 read 15 -> 115 ns, data 115 -> 215 ns. */
static sim_time_t fill_section(struct fx *f)
{
    struct timed_txn x;

    submit_in(&x, f->s, SECT_VA, 0);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(x.t.status, SMMU_DONE);
    assert_int_equal(x.done, 215 * NS);
    return x.done;
}

/*
 * TLBIASID of ASID 9 (no entry of ours) written at T0 = 215 ns to arrive 100 ns later:
 * busy [T0 + 100, T0 + 260) ns. A read submitted at T0 + 50 is before it: lookup 5 ns,
 * hit, data 100 ns, done at T0 + 155. A read submitted at T0 + 150 waits until
 * T0 + 260 (110 ns), then hits: the PA is known at T0 + 265, done at T0 + 365.
 */
static void test_tlbiasid_busy_period_delays_a_translation(void **state)
{
    struct fx f;
    struct timed_txn before, during;

    (void)state;
    fx_up(&f);
    sim_time_t t0 = fill_section(&f);
    smmu_mmio_write_at(f.s, SMMU_CTX_REG(0, SMMU_TLBIASID), 9u, t0 + 100 * NS);
    submit_in(&before, f.s, SECT_VA + 0x40, 50 * NS);
    submit_in(&during, f.s, SECT_VA + 0x80, 150 * NS);
    sim_run(SIM_TIME_MAX);

    assert_true(before.t.tlb_hit);
    assert_int_equal(before.done - t0, 155 * NS);
    assert_true(during.t.tlb_hit);
    assert_int_equal(during.t.translated - t0, 265 * NS);
    assert_int_equal(during.done - t0, 365 * NS);
    const struct smmu_maint_stats *ms = smmu_maint_stats(f.s);
    assert_int_equal(ms->ops[SMMU_OP_TLBIASID], 1);
    assert_int_equal(ms->entries_removed, 0);
    assert_int_equal(ms->busy_ps, OP_PS);
    assert_int_equal(ms->delayed, 1);
    assert_int_equal(ms->delay_ps, 110 * NS);
    fx_down(&f);
}

/*
 * The operation takes effect when it arrives, not when it is written: TLBIASID of
 * ASID 7 written at T0 to arrive at T0 + 100 ns. A read at T0 + 50 still hits the old
 * entry (done T0 + 155); one at T0 + 300, after the busy period [T0 + 100, T0 + 260),
 * misses without waiting: L1 read leaves at T0 + 315, back at T0 + 415, data back at
 * T0 + 515. One entry removed.
 */
static void test_operation_takes_effect_at_arrival(void **state)
{
    struct fx f;
    struct timed_txn before, after;

    (void)state;
    fx_up(&f);
    sim_time_t t0 = fill_section(&f);
    smmu_mmio_write_at(f.s, SMMU_CTX_REG(0, SMMU_TLBIASID), ASID, t0 + 100 * NS);
    submit_in(&before, f.s, SECT_VA, 50 * NS);
    submit_in(&after, f.s, SECT_VA, 300 * NS);
    sim_run(SIM_TIME_MAX);

    assert_true(before.t.tlb_hit);
    assert_int_equal(before.done - t0, 155 * NS);
    assert_false(after.t.tlb_hit);
    assert_int_equal(after.t.translated - t0, 415 * NS);
    assert_int_equal(after.done - t0, 515 * NS);
    assert_int_equal(smmu_maint_stats(f.s)->entries_removed, 1);
    assert_int_equal(smmu_maint_stats(f.s)->delayed, 0);
    fx_down(&f);
}

/*
 * Operations are done one at a time. TLBIVA (ASID 9) arrives at T0 + 100: busy until
 * T0 + 260. A read at T0 + 150 waits for T0 + 260. Meanwhile, at T0 + 200, a TLBIVAA
 * is written to arrive at T0 + 240, inside the first period: it runs from T0 + 260 to
 * T0 + 420, so the read waits on, 270 ns in all; it hits at T0 + 420, PA known at
 * T0 + 425, done at T0 + 525. Busy 2 x 160 ns.
 */
static void test_operations_back_to_back(void **state)
{
    struct fx f;
    struct timed_txn x;

    (void)state;
    fx_up(&f);
    sim_time_t t0 = fill_section(&f);
    struct timed_write w = { .s = f.s, .off = SMMU_CTX_REG(0, SMMU_TLBIVAA),
                             .v = 0x12345000u, .at = t0 + 240 * NS };
    smmu_mmio_write_at(f.s, SMMU_CTX_REG(0, SMMU_TLBIVA), 0x12345000u | 9u, t0 + 100 * NS);
    submit_in(&x, f.s, SECT_VA, 150 * NS);
    sim_schedule(200 * NS, write_now, &w);
    sim_run(SIM_TIME_MAX);

    assert_true(x.t.tlb_hit);
    assert_int_equal(x.t.translated - t0, 425 * NS);
    assert_int_equal(x.done - t0, 525 * NS);
    const struct smmu_maint_stats *ms = smmu_maint_stats(f.s);
    assert_int_equal(ms->ops[SMMU_OP_TLBIVA], 1);
    assert_int_equal(ms->ops[SMMU_OP_TLBIVAA], 1);
    assert_int_equal(ms->busy_ps, 2 * OP_PS);
    assert_int_equal(ms->delay_ps, 270 * NS);
    fx_down(&f);
}

/*
 * The functional path has no time: an operation written to arrive later has arrived
 * by the next access, and no access waits. CTX_TLBIALL (VMID 3) at 1 us removes the
 * section's entry: the access walks again.
 */
static void test_functional_mode_ignores_busy_time(void **state)
{
    struct fx f;
    struct smmu_txn t = { .mid = MID, .iova = SECT_VA, .bytes = 64 };

    (void)state;
    fx_up(&f);
    assert_int_equal(smmu_access(f.s, &t), SMMU_DONE);
    smmu_mmio_write_at(f.s, SMMU_CTX_REG(0, SMMU_CTX_TLBIALL), 0, 1000 * NS);
    smmu_mmio_write_at(f.s, SMMU_GLOBAL_TLBIALL, 0, 1100 * NS);
    smmu_mmio_write_at(f.s, SMMU_TLBIVMID, 3, 1200 * NS);
    assert_int_equal(smmu_access(f.s, &t), SMMU_DONE);
    assert_false(t.tlb_hit);
    assert_int_equal(smmu_ctx_stats(f.s, 0)->walks, 2);
    const struct smmu_maint_stats *ms = smmu_maint_stats(f.s);
    assert_int_equal(ms->ops[SMMU_OP_CTX_TLBIALL], 1);
    assert_int_equal(ms->ops[SMMU_OP_GLOBAL_TLBIALL], 1);
    assert_int_equal(ms->ops[SMMU_OP_TLBIVMID], 1);
    assert_int_equal(ms->entries_removed, 1);
    assert_int_equal(ms->busy_ps, 3 * OP_PS);
    assert_int_equal(ms->delayed, 0);
    assert_string_equal(smmu_tlbop_name(SMMU_OP_TLBIVAA), "tlbivaa");
    assert_string_equal(smmu_tlbop_name(SMMU_TLBOPS), "unknown");
    fx_down(&f);
}

/* A busy time out of range is refused by name. */
static void test_config_check(void **state)
{
    struct smmu_config c = config();
    char err[160];

    (void)state;
    c.tlb_op_cycles = 1000001;
    assert_int_not_equal(smmu_config_check(&c, err, sizeof(err)), 0);
    assert_string_equal(err, "TLB operation cycles (1000001) must be in 0..1000000");
}

/* ---- Through the driver ---------------------------------------------------------------- */

/*
 * msm-3.4, vcodec_a's two contexts sharing one table (docs/hardware.md: one table per
 * domain), both attached. Port costs: 100 ns per register access, 20 ns per cleaned
 * line. After a first map (which allocates the L2 table) the port is synced at 0.
 * Then N = 5 per-page maps (msm_iommu_map; smmu_map takes PA, then IOVA: PA
 * 0x80000000 + 4K i at IOVA 0x00100000 + 4K i): each writes one PTE (1 line cleaned,
 * 20 ns) and a TLBIVA to each attached context (100 ns each). Map i's TLBIVAs arrive
 * at 220 i + 120 and 220 i + 220 ns: 2N = 10 TLBIVA, N per context, busy 10 x 160 ns
 * = 1.6 us. Each arrives before the previous one's period ends (op k at
 * 120 + 220 (k / 2) + 100 (k % 2) <= 120 + 160 k), so the periods run back to back
 * from 120 ns to 120 + 1600 = 1720 ns. A read of the first page submitted at 200 ns
 * waits 1520 ns; at 1720 ns it misses (the page was never read), walks L1 + L2
 * (read at 1735 -> 1835, 1835 -> 1935 ns) and its data comes back at 2035 ns.
 */
#define N_PAGES     5u

static void test_per_page_map_costs_n_tlbiva_per_context(void **state)
{
    struct phys_target_cfg tc = { .cont_base = 0x10000000u, .cont_size = 0x100000u };
    const struct smmu_desc *d = &msm8960_smmus[MSM8960_SMMU_VCODEC_A];
    static const struct smmu_driver_costs costs = {
        .mmio_ps = 100 * NS, .clean_line_ps = 20 * NS, .clean_line_bytes = 64,
    };
    struct smmu_config cfg = config();
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * NS);
    char err[160];

    (void)state;
    sim_reset();
    struct physmem *pm = physmem_new();
    struct phys_target *tables = phys_target_create(&tc, err, sizeof(err));
    assert_non_null(tables);
    struct smmu_pt_allocator pt = { .pm = pm, .alloc = phys_pt_alloc, .free = phys_pt_free,
                                    .arg = tables };
    smmu_desc_fill_config(d, &cfg);
    struct smmu *hw = smmu_new(&cfg, pm, &port, &port);
    assert_non_null(hw);
    struct smmu_tree *tree = smmu_tree_new(d, 1, &hw, &pt, err, sizeof(err));
    assert_non_null(tree);
    assert_int_equal(smmu_tree_set_profile(tree, &smmu_profile_msm34, &costs, -1), 0);
    struct smmu_driver *drv = smmu_tree_driver(tree, 0);
    struct smmu_dev *mm1 = smmu_get_ctx_instance(tree, "vcodec_a_mm1");
    struct smmu_dev *stream = smmu_get_ctx_instance(tree, "vcodec_a_stream");
    assert_int_equal(smmu_ctx_share_table(stream, mm1), 0);
    assert_int_equal(smmu_activate(mm1), 0);
    assert_int_equal(smmu_activate(stream), 0);
    assert_int_equal(smmu_map(mm1, 0x80000000u, 0x00100000u, SZ_4K,
                              SMMU_ATTR_READ | SMMU_ATTR_WRITE), 0);
    smmu_drvdata_port_sync(drv);

    const struct smmu_maint_stats *ms = smmu_maint_stats(hw);
    uint64_t va0 = ms->ops[SMMU_OP_TLBIVA];
    sim_time_t busy0 = ms->busy_ps;
    uint64_t mm1_va0 = smmu_dev_stats(mm1)->tlbi_va, stream_va0 = smmu_dev_stats(stream)->tlbi_va;
    for (unsigned i = 1; i <= N_PAGES; i++)
        assert_int_equal(smmu_map(mm1, 0x80000000u + i * SZ_4K, 0x00100000u + i * SZ_4K, SZ_4K,
                                  SMMU_ATTR_READ | SMMU_ATTR_WRITE), 0);
    assert_int_equal(smmu_dev_stats(mm1)->tlbi_va - mm1_va0, N_PAGES);
    assert_int_equal(smmu_dev_stats(stream)->tlbi_va - stream_va0, N_PAGES);

    /* mm1's MID 0 reads its first page (IOVA 0x00100000 -> PA 0x80000000) at 200 ns */
    struct timed_txn x;
    submit_in(&x, hw, 0x00100000u, 200 * NS);
    x.t.mid = 0;
    sim_run(SIM_TIME_MAX);
    ms = smmu_maint_stats(hw);
    assert_int_equal(ms->ops[SMMU_OP_TLBIVA] - va0, 2 * N_PAGES);
    assert_int_equal(ms->busy_ps - busy0, 2 * N_PAGES * OP_PS);
    assert_int_equal(ms->delayed, 1);
    assert_int_equal(ms->delay_ps, 1520 * NS);
    assert_int_equal(x.t.fsr, 0);
    assert_int_equal(x.t.status, SMMU_DONE);
    assert_int_equal(x.t.pa, 0x80000000u);
    assert_int_equal(x.t.translated, 1935 * NS);
    assert_int_equal(x.done, 2035 * NS);

    smmu_tree_free(tree);
    smmu_free(hw);
    phys_target_destroy(tables);
    physmem_free(pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tlbiasid_busy_period_delays_a_translation),
        cmocka_unit_test(test_operation_takes_effect_at_arrival),
        cmocka_unit_test(test_operations_back_to_back),
        cmocka_unit_test(test_functional_mode_ignores_busy_time),
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_per_page_map_costs_n_tlbiva_per_context),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
