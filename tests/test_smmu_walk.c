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

#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_htwseef_level1, setup),
        cmocka_unit_test_setup(test_htwdeef_level2, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
