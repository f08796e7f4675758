/*
 * test_smmu_walk.c - what the SMMU does with its walker's features, through its
 * registers: walks whose descriptor reads fail (FSR.HTWDEEF / HTWSEEF with FAR and
 * FSYNR), BFBCR and the descriptor fetch buffer it enables, and walks of cacheable
 * tables through the shared L2 (docs/walker.md, docs/smmu.md).
 *
 * Tables are written word by word; registers are programmed through MMIO as software
 * would. The walk port is a fake memory (tests/lib/mem_fake.h) answering every read
 * 100 ns after it arrives, so each time below is worked out from: TLB lookup 5 ns,
 * walk start-up 10 ns (one 200 MHz cycle and two), then 100 ns per read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/l2cache.h"
#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "models/walker.h"
#include "sim/core/kernel.h"
#include "tests/lib/mem_fake.h"

#define L1_BASE     0x00100000u     /* 16 KiB aligned */
#define L2_BASE     0x00200000u     /* 1 KiB aligned */
#define MID         1u
#define ASID        7u

/*
 * VA 0x50000000..0x500FFFFF: L1 index 0x500, descriptor at 0x00100000 + 0x500 * 4 =
 * 0x00101400, a page table at 0x00200000 (0x00200001). Page i of the region
 * (VA 0x50000000 + i * 4K) has its L2 descriptor at 0x00200000 + 4i and maps PA
 * 0x90000000 + i * 4K, user RW: 0x90000000 + i * 0x1000 | AP1 0x20 | AP0 0x10 | 0b10.
 */
#define REGION_VA   0x50000000u
#define L1_ENTRY    (L1_BASE + 0x500u * 4u)

static void write_region(struct physmem *pm)
{
    physmem_write32(pm, L1_ENTRY, L2_BASE | PTE_L1_TYPE_TABLE);
    for (uint32_t i = 0; i < 256; i++)
        physmem_write32(pm, L2_BASE + 4u * i, (0x90000000u + i * 0x1000u) | 0x32u);
}

static struct smmu_config config(void)
{
    struct smmu_config c = {
        .name = "walk", .base = 0x07700000, .nbanks = 2, .nmids = 16, .irq = 59,
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000,          /* 5 ns cycles */
        .tlb_lookup_cycles = 1,         /* 5 ns */
        .walk_overhead_cycles = 2,      /* 10 ns */
        .max_walks = 1,
        .hit_under_miss = true,
    };
    return c;
}

/* Bank 0 translating for MID 1 with VMID 0 and ASID 7; faults terminate (no stall). */
static void setup_bank(struct smmu *s, uint32_t actlr_extra)
{
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_ACTLR),
                    ACTLR_CFEIE | (3u << ACTLR_TLBMCFG_SHIFT) | actlr_extra);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBCR), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_CONTEXTIDR), ASID);
    smmu_mmio_write(s, SMMU_M2VCBR_N(MID), 0u | (0u << M2VCBR_CBNDX_SHIFT));
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_M);
}

static sim_time_t completed[64];

static void record_done(struct smmu_txn *t)
{
    completed[(uintptr_t)t->owner] = sim_now();
}

static int setup(void **state)
{
    (void)state;
    sim_reset();
    return 0;
}

/* One timed read (or write) of 4 bytes at va; runs the kernel until it completes. */
static struct smmu_txn run_one(struct smmu *s, uint32_t va, bool write, unsigned slot)
{
    struct smmu_txn t = { .mid = MID, .iova = va, .bytes = 4, .write = write,
                          .done = record_done, .owner = (void *)(uintptr_t)slot };
    smmu_submit(s, &t);
    sim_run(SIM_TIME_MAX);
    return t;
}

/* ---- HTWSEEF / HTWDEEF ------------------------------------------------------------ */

/*
 * Slave error on the L1 read. A user write to VA 0x50003010: the L1 read of
 * 0x00101400 leaves at 5 + 10 = 15 ns and comes back at 115 ns with a slave error.
 * The walk yields no descriptor, so it is not a translation fault: FSR = HTWSEEF
 * (bit 6) = 0x40, no SL (the failed read was the first level); FAR = the VA,
 * 0x50003010; FSYNR0.AMID = MID 1; FSYNR1.AWRITE (bit 8) = 0x100. The transaction is
 * terminated at 115 ns (no stall: ACTLR.CFCFG is clear), with an error response.
 */
static void test_htwseef_level1(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct physmem *pm = physmem_new();
    struct smmu_config c = config();

    write_region(pm);
    mem.fail = true;
    mem.fail_pa = L1_ENTRY;
    struct smmu *s = smmu_new(&c, pm, NULL, &port);
    setup_bank(s, 0);
    struct smmu_txn t = run_one(s, REGION_VA + 0x3010u, true, 0);

    assert_int_equal(t.status, SMMU_FAULTED);
    assert_int_equal(t.fsr, FSR_HTWSEEF);
    assert_int_equal(completed[0], 115 * SIM_NS);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FSR)), 0x40u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FAR)), 0x50003010u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FSYNR0)), 1u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FSYNR1)), 0x100u);
    assert_int_equal(smmu_ctx_stats(s, 0)->faults_walk_error, 1);
    assert_int_equal(smmu_ctx_stats(s, 0)->faults_translation, 0);
    assert_int_equal(smmu_walker_stats(s)->slave_errors, 1);
    assert_int_equal(mem.requests, 1);
    smmu_free(s);
    physmem_free(pm);
}

/*
 * Decode error on the L2 read. A user read of VA 0x500FF000 (page 0xFF): L1 read
 * 15 -> 115 ns (the table descriptor), L2 read of 0x00200000 + 0xFF * 4 = 0x002003FC
 * at 115 -> 215 ns, answered with a decode error. FSR = HTWDEEF (bit 5) | SL (bit 16,
 * the second-level read failed) = 0x00010020; FAR = 0x500FF000; FSYNR1 = 0 (a user
 * data read).
 */
static void test_htwdeef_level2(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct physmem *pm = physmem_new();
    struct smmu_config c = config();

    write_region(pm);
    mem.fail = true;
    mem.fail_decode = true;
    mem.fail_pa = L2_BASE + 0xFFu * 4u;
    struct smmu *s = smmu_new(&c, pm, NULL, &port);
    setup_bank(s, 0);
    struct smmu_txn t = run_one(s, REGION_VA + 0xFF000u, false, 1);

    assert_int_equal(t.status, SMMU_FAULTED);
    assert_int_equal(completed[1], 215 * SIM_NS);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FSR)), 0x00010020u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FAR)), 0x500FF000u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FSYNR1)), 0u);
    assert_int_equal(smmu_walker_stats(s)->decode_errors, 1);
    assert_int_equal(smmu_walker_stats(s)->desc_reads, 2);
    /* nothing was put in the TLB: the next access walks again and succeeds */
    mem.fail = false;
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_FSR), 0x4000000Fu | FSR_FAULT_MASK);
    t = run_one(s, REGION_VA + 0xFF000u, false, 2);
    assert_int_equal(t.status, SMMU_DONE);
    assert_int_equal(t.pa, 0x900FF000u);
    smmu_free(s);
    physmem_free(pm);
}


/* ---- BFBCR and the descriptor fetch buffer ----------------------------------------- */

/*
 * BFBCR reads back what was written in its defined fields: BFBDFE (bit 0), BFBSFE (1),
 * SFVS (2), FLVIC [7:4], SLVIC [11:8] = 0xFF7; other bits read as zero. Per bank:
 * bank 1's BFBCR stays 0 while bank 0's is written. Reset value 0.
 */
static void test_bfbcr_register(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct physmem *pm = physmem_new();
    struct smmu_config c = config();
    struct smmu *s = smmu_new(&c, pm, NULL, &port);

    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_BFBCR)), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_BFBCR), 0xFFFFFFFFu);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_BFBCR)), 0xFF7u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(1, SMMU_BFBCR)), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(1, SMMU_BFBCR),
                    BFBCR_BFBDFE | (5u << BFBCR_SLVIC_SHIFT) | (3u << BFBCR_FLVIC_SHIFT));
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(1, SMMU_BFBCR)), 0x531u);
    smmu_free(s);
    physmem_free(pm);
}

/*
 * A stream of user reads over the 256 pages of the region, one 4-byte read per page,
 * BFBDFE on, 16-line buffer, one walk at a time. Each miss walks: L1 read (4 bytes),
 * and for pages 0, 16, ..., 240 the 64-byte line of their L2 descriptors. Memory reads:
 * 256 + 16 = 272, buffer hits 240; the context's desc_reads counts the 272. With
 * BFBDFE clear: 512 reads, all 4 bytes.
 */
static void stream(struct smmu *s)
{
    for (unsigned p = 0; p < 256; p++) {
        struct smmu_txn t = run_one(s, REGION_VA + p * 0x1000u, false, 0);
        assert_int_equal(t.status, SMMU_DONE);
        assert_int_equal(t.pa, 0x90000000u + p * 0x1000u);
    }
}

static void test_bfb_stream_through_smmu(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct physmem *pm = physmem_new();
    struct smmu_config c = config();

    write_region(pm);
    c.bfb_lines = 16;
    struct smmu *s = smmu_new(&c, pm, NULL, &port);
    setup_bank(s, 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_BFBCR), BFBCR_BFBDFE);
    stream(s);
    assert_int_equal(smmu_walker_stats(s)->desc_reads, 272);
    assert_int_equal(smmu_walker_stats(s)->bfb_hits, 240);
    assert_int_equal(smmu_ctx_stats(s, 0)->desc_reads, 272);
    assert_int_equal(smmu_ctx_stats(s, 0)->walks, 256);
    assert_int_equal(mem.log[1].bytes, 64);
    smmu_free(s);

    sim_reset();
    mem.requests = 0;
    s = smmu_new(&c, pm, NULL, &port);
    setup_bank(s, 0);
    stream(s);
    assert_int_equal(smmu_walker_stats(s)->desc_reads, 512);
    assert_int_equal(smmu_walker_stats(s)->bfb_hits, 0);
    assert_int_equal(mem.log[1].bytes, 4);
    smmu_free(s);
    physmem_free(pm);
}

/*
 * Timing of one buffered walk: page 0's read misses the TLB and the buffer: PA known at
 * 5 + 10 + 100 (L1) + 100 (line) = 215 ns. Page 1 (another TLB miss) at t0: its L2
 * descriptor is in the buffer, so the PA is known at t0 + 115 ns.
 */
static void test_bfb_hit_timing(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct physmem *pm = physmem_new();
    struct smmu_config c = config();

    write_region(pm);
    c.bfb_lines = 16;
    struct smmu *s = smmu_new(&c, pm, NULL, &port);
    setup_bank(s, 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_BFBCR), BFBCR_BFBDFE);
    struct smmu_txn t = run_one(s, REGION_VA, false, 0);
    assert_int_equal(t.translated, 215 * SIM_NS);
    sim_time_t t0 = sim_now();
    t = run_one(s, REGION_VA + 0x1000u, false, 1);
    assert_int_equal(t.translated - t0, 115 * SIM_NS);
    smmu_free(s);
    physmem_free(pm);
}

/*
 * Every TLB maintenance register empties the buffer: after page 0's walk the buffer
 * holds one line; each of CTX_TLBIALL, TLBIASID, TLBIVA, TLBIVAA (bank 0) and
 * GLOBAL_TLBIALL, TLBIVMID leaves it empty (6 invalidations). Writes to other
 * registers (BFBCR, FSR, V2PPR) do not; nor does a bank above nbanks.
 */
static void test_bfb_emptied_by_tlb_maintenance(void **state)
{
    (void)state;
    static const uint32_t ops[] = {
        SMMU_CTX_REG(0, SMMU_CTX_TLBIALL), SMMU_CTX_REG(0, SMMU_TLBIASID),
        SMMU_CTX_REG(0, SMMU_TLBIVA), SMMU_CTX_REG(0, SMMU_TLBIVAA),
        SMMU_GLOBAL_TLBIALL, SMMU_TLBIVMID,
    };
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct physmem *pm = physmem_new();
    struct smmu_config c = config();

    write_region(pm);
    c.bfb_lines = 16;
    struct smmu *s = smmu_new(&c, pm, NULL, &port);
    setup_bank(s, 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_BFBCR), BFBCR_BFBDFE);
    for (unsigned i = 0; i < 6; i++) {
        run_one(s, REGION_VA + (i + 1) * 0x10000u, false, 0);   /* a TLB miss: a new line */
        assert_int_equal(walker_bfb_valid(smmu_walker(s)), 1);
        smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_FSR), 0);
        smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_BFBCR), BFBCR_BFBDFE);
        smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_V2PPR), REGION_VA);
        smmu_mmio_write(s, SMMU_CTX_REG(5, SMMU_CTX_TLBIALL), 0);  /* no bank 5 */
        assert_int_equal(walker_bfb_valid(smmu_walker(s)), 1);
        smmu_mmio_write(s, ops[i], (ASID & 0xFFu) | (REGION_VA & 0xFFFFF000u));
        assert_int_equal(walker_bfb_valid(smmu_walker(s)), 0);
    }
    assert_int_equal(smmu_walker_stats(s)->bfb_invalidations, 6);
    assert_int_equal(smmu_walker_stats(s)->bfb_fills, 6);
    smmu_free(s);
    physmem_free(pm);
}

/* ---- Cacheable tables ---------------------------------------------------------------- */

/*
 * The driver's cacheable setting: TTBR0 | SH | NOS | IRGN[0] | ORGN = 01 (0x6A) and
 * ACTLR.RCISH. L2 of 1 MiB, 8 ways, 128-byte lines, 40 ns. BFBDFE off. Page 0: the
 * L1 read misses the L2 (100 ns), the L2 read too (100 ns): PA at 5 + 10 + 200 =
 * 215 ns. Page 1 at t0: L1 descriptor 0x00101400 is in the L2 now (40 ns), and so is
 * page 1's L2 descriptor 0x00200004 (same 128-byte line as page 0's): t0 + 15 + 80 =
 * t0 + 95 ns, no memory request. Without RCISH (ACTLR as before, RC bits clear) the
 * L2 is not used: t0 + 215 ns after a TLB flush.
 */
static void test_cacheable_walk_latency(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct physmem *pm = physmem_new();
    struct smmu_config c = config();
    struct l2cache_config lc = { .size_bytes = 1u << 20, .ways = 8, .line_bytes = 128,
                                 .hit_latency = 40 * SIM_NS };
    struct l2cache *l2 = l2cache_new(&lc);

    write_region(pm);
    struct smmu *s = smmu_new(&c, pm, NULL, &port);
    walker_set_l2cache(smmu_walker(s), l2);
    setup_bank(s, ACTLR_RCISH);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE | 0x6Au);
    struct smmu_txn t = run_one(s, REGION_VA, false, 0);
    assert_int_equal(t.translated, 215 * SIM_NS);
    unsigned before = mem.requests;
    sim_time_t t0 = sim_now();
    t = run_one(s, REGION_VA + 0x1000u, false, 1);
    assert_int_equal(t.translated - t0, 95 * SIM_NS);
    assert_int_equal(mem.requests, before);
    assert_int_equal(smmu_walker_stats(s)->l2_hits, 2);
    assert_int_equal(smmu_walker_stats(s)->l2_misses, 2);
    assert_int_equal(l2cache_stats(l2)->hits, 2);

    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_ACTLR),
                    ACTLR_CFEIE | (3u << ACTLR_TLBMCFG_SHIFT));
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_CTX_TLBIALL), 0);
    t0 = sim_now();
    t = run_one(s, REGION_VA + 0x2000u, false, 2);
    assert_int_equal(t.translated - t0, 215 * SIM_NS);
    assert_int_equal(l2cache_stats(l2)->lookups, 4);    /* unchanged */
    smmu_free(s);
    l2cache_free(l2);
    physmem_free(pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_htwseef_level1, setup),
        cmocka_unit_test_setup(test_htwdeef_level2, setup),
        cmocka_unit_test_setup(test_bfbcr_register, setup),
        cmocka_unit_test_setup(test_bfb_stream_through_smmu, setup),
        cmocka_unit_test_setup(test_bfb_hit_timing, setup),
        cmocka_unit_test_setup(test_bfb_emptied_by_tlb_maintenance, setup),
        cmocka_unit_test_setup(test_cacheable_walk_latency, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
