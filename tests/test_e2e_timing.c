/*
 * test_e2e_timing.c - a master's requests through SMMU -> fabric -> DRAM, timed by hand.
 *
 * The whole memory system with small round numbers, so that every completion time can
 * be worked out on paper from the rules in docs/smmu.md and docs/timing.md:
 *
 *   SMMU    200 MHz (5 ns): TLB lookup 1 cycle = 5 ns, walk overhead 2 cycles = 10 ns
 *   fabric  200 MHz (5 ns): port 8 B/cycle, gateway 16 B/cycle, hop 2 cycles = 10 ns
 *   DRAM    one channel, 8 B/cycle at 500 MHz (2 ns), latency 40 ns
 *
 * A 64-byte data access that waits for nothing costs
 *   link ceil(64/8) = 8 cycles = 40 ns, gateway ceil(64/16) = 4 cycles = 20 ns, hop 10 ns,
 *   DRAM ceil(64/8) = 8 cycles = 16 ns + 40 ns            = 126 ns after it leaves the SMMU.
 * A 4-byte descriptor read costs
 *   link 1 cycle = 5 ns, gateway 1 cycle = 5 ns, hop 10 ns, DRAM 1 cycle = 2 ns + 40 ns
 *                                                          = 62 ns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/dram.h"
#include "models/fabric.h"
#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "sim/core/kernel.h"

#define L1_BASE     0x00100000u
#define L2_BASE     0x00200000u
#define SECT_VA     0x40000000u     /* section -> PA 0x80000000 */
#define PAGE_VA     0x50001000u     /* small page -> PA 0x90005000 */

struct system {
    struct physmem *pm;
    struct dram *dram;
    struct fabric *fabric;
    struct mem_port dram_port, port;
    struct smmu *smmu;
};

/* A closed-loop master: issues the next address of its list when one completes. */
struct master {
    struct smmu *smmu;
    const uint32_t *iova;
    unsigned n, next, outstanding;
    sim_time_t done_at[8];
    bool hit[8];
    struct smmu_txn txn[8];
};

static void master_issue(struct master *m);

static void master_done(struct smmu_txn *t)
{
    struct master *m = t->owner;
    unsigned i = (unsigned)(t - m->txn);

    assert_int_equal(t->status, SMMU_DONE);
    m->done_at[i] = sim_now();
    m->hit[i] = t->tlb_hit;
    m->outstanding--;
    master_issue(m);
}

static void master_issue(struct master *m)
{
    while (m->next < m->n && m->outstanding < 1) {
        struct smmu_txn *t = &m->txn[m->next];
        *t = (struct smmu_txn){ .mid = 1, .iova = m->iova[m->next], .bytes = 64,
                                .done = master_done, .owner = m };
        m->next++;
        m->outstanding++;
        smmu_submit(m->smmu, t);
    }
}

static void system_init(struct system *sys)
{
    struct dram_config dc = { .channels = 1, .interleave_bytes = 256, .clock_hz = 500000000,
                              .width_bytes = 8, .latency = 40 * SIM_NS };
    struct fabric_config fc = { .clock_hz = 200000000, .gateway_width_bytes = 16,
                                .hop_cycles = 2, .nports = 1, .port_width_bytes = { 8 } };
    struct smmu_config sc = {
        .name = "e2e", .nbanks = 1, .nmids = 4,
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU },
        .clock_hz = 200000000, .tlb_lookup_cycles = 1, .walk_overhead_cycles = 2,
        .max_walks = 1, .hit_under_miss = true,
    };

    sim_reset();
    sys->pm = physmem_new();
    sys->dram = dram_new(&dc);
    sys->dram_port = dram_port(sys->dram);
    sys->fabric = fabric_new(&fc, &sys->dram_port);
    sys->port = fabric_port(sys->fabric, 0);
    sys->smmu = smmu_new(&sc, sys->pm, &sys->port, &sys->port);
    assert_non_null(sys->smmu);

    /* section 0x40000000 -> 0x80000000 (0x80020C02, see test_smmu.c for the bits) */
    physmem_write32(sys->pm, L1_BASE + 0x400 * 4, 0x80020C02u);
    /* page table for 0x50000000, small page 0x50001000 -> 0x90005000 */
    physmem_write32(sys->pm, L1_BASE + 0x500 * 4, L2_BASE | PTE_L1_TYPE_TABLE);
    physmem_write32(sys->pm, L2_BASE + 1 * 4, 0x90005832u);

    struct smmu *s = sys->smmu;
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_ACTLR), 3u << ACTLR_TLBMCFG_SHIFT);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_CONTEXTIDR), 5);
    smmu_mmio_write(s, SMMU_CBACR_N(0), 2u << CBACR_CBVMID_SHIFT);
    smmu_mmio_write(s, SMMU_M2VCBR_N(1), 2u);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_M | SCTLR_AFE | SCTLR_TRE);
}

static void system_free(struct system *sys)
{
    smmu_free(sys->smmu);
    fabric_free(sys->fabric);
    dram_free(sys->dram);
    physmem_free(sys->pm);
}

static void test_closed_loop_hits_and_misses(void **state)
{
    (void)state;
    struct system sys;
    system_init(&sys);
    static const uint32_t iova[] = { SECT_VA, SECT_VA + 64, PAGE_VA, PAGE_VA + 64 };
    struct master m = { .smmu = sys.smmu, .iova = iova, .n = 4 };

    master_issue(&m);
    sim_run(SIM_TIME_MAX);

    /*
     * 0: section miss at 0. L1 read leaves after lookup + overhead = 15 ns, back at
     *    15 + 62 = 77 ns; data 77 + 126 = 203 ns.
     * 1: hit at 203: lookup 5 ns, data 126 ns -> 334 ns.
     * 2: page miss at 334: L1 349 -> 411, L2 411 -> 473, data 473 -> 599 ns.
     * 3: hit at 599 -> 599 + 131 = 730 ns.
     * One request at a time, so nothing ever waits for a link, the gateway or DRAM.
     */
    assert_int_equal(m.done_at[0], 203 * SIM_NS);
    assert_int_equal(m.done_at[1], 334 * SIM_NS);
    assert_int_equal(m.done_at[2], 599 * SIM_NS);
    assert_int_equal(m.done_at[3], 730 * SIM_NS);
    assert_false(m.hit[0]);
    assert_true(m.hit[1]);
    assert_false(m.hit[2]);
    assert_true(m.hit[3]);
    const struct smmu_ctx_stats *st = smmu_ctx_stats(sys.smmu, 0);
    assert_int_equal(st->walks, 2);
    assert_int_equal(st->desc_reads, 3);
    system_free(&sys);
}

static sim_time_t two_done[2];
static void two_record(struct smmu_txn *t)
{
    two_done[(uintptr_t)t->owner] = sim_now();
}

static void test_two_outstanding_hits_queue_in_fabric_and_dram(void **state)
{
    (void)state;
    struct system sys;
    system_init(&sys);
    struct smmu_txn warm = { .mid = 1, .iova = SECT_VA, .bytes = 64 };
    assert_int_equal(smmu_access(sys.smmu, &warm), SMMU_DONE);     /* fill the TLB */

    struct smmu_txn t[2] = {
        { .mid = 1, .iova = SECT_VA + 0x100, .bytes = 64, .done = two_record, .owner = (void *)0 },
        { .mid = 1, .iova = SECT_VA + 0x200, .bytes = 64, .done = two_record, .owner = (void *)1 },
    };
    smmu_submit(sys.smmu, &t[0]);
    smmu_submit(sys.smmu, &t[1]);
    sim_run(SIM_TIME_MAX);
    /*
     * Both hit and leave the SMMU at 5 ns.
     * t0: link 5 -> 45, gateway 45 -> 65, hop -> 75, DRAM 75 -> 91 + 40 = 131 ns.
     * t1: its link is busy until 45: link 45 -> 85; gateway (free since 65) 85 -> 105;
     *     hop -> 115; DRAM (free since 91) 115 -> 131 + 40 = 171 ns.
     */
    assert_int_equal(two_done[0], 131 * SIM_NS);
    assert_int_equal(two_done[1], 171 * SIM_NS);
    system_free(&sys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_loop_hits_and_misses),
        cmocka_unit_test(test_two_outstanding_hits_queue_in_fabric_and_dram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
