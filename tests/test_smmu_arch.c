/*
 * test_smmu_arch.c - the architecture rules of the SMMU model that the register map
 * alone does not show: a translation with the access flag 0 never enters the TLB;
 * FSR.TLBMF (a miss with ACTLR.TLBMCFG != 3) and FSR.MHF (two TLB entries matching
 * one access) with their FAR/FSYNR0/FSYNR1; PAR after a V2P: SL on a fault, MT/SH/NS/
 * NOS on success.
 *
 * Tables are written word by word into physmem; every descriptor and register value
 * is worked out in a comment from the ARMv7 short-descriptor format and the field
 * positions of msm-3.4's iommu_hw-8xxx.h (FSR: TF 1, AFF 2, APF 3, TLBMF 4, MHF 7,
 * SL 16; FSYNR0 AMID [7:0]; FSYNR1 APRIV 5, AWRITE 8; PAR no-fault: SS 1, MT [6:4],
 * SH 7, NS 9, NOS 10, PA [31:12]; PRRR MTCn [2n+1:2n], SHDSH0/1 16/17, SHNMSH0/1
 * 18/19, NOSn 24+n; NMRR ICPCn [2n+1:2n]).
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
#define VMID        3u

/* TLBMCFG = 3 (walk on a miss) at ACTLR[13:12], CFEIE (1), CFERE (0) */
#define ACTLR_WALK  (ACTLR_CFEIE | ACTLR_CFERE | (ACTLR_TLBMCFG_HTW << ACTLR_TLBMCFG_SHIFT))

struct fx {
    struct physmem *pm;
    struct smmu *s;
    struct fake_mem mem;
};

static struct smmu_config config(void)
{
    struct smmu_config c = {
        .name = "arch", .base = 0x07700000, .nbanks = 2, .nmids = 16, .irq = 59,
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000,          /* 5 ns cycles */
        .tlb_lookup_cycles = 1,
        .walk_overhead_cycles = 2,
        .max_walks = 4,
        .hit_under_miss = true,
    };
    return c;
}

/* Bank 0: TTBR0 = L1_BASE, ASID 7, VMID 3, MID 1; sctlr and actlr as given. */
static void bank_up(struct smmu *s, uint32_t sctlr, uint32_t actlr)
{
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_ACTLR), actlr);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBCR), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_CONTEXTIDR), ASID);
    smmu_mmio_write(s, SMMU_CBACR_N(0), VMID << CBACR_CBVMID_SHIFT);
    smmu_mmio_write(s, SMMU_M2VCBR_N(MID), VMID | (0u << M2VCBR_CBNDX_SHIFT));
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_SCTLR), sctlr | SCTLR_M);
}

static void fx_up(struct fx *f, bool timed, uint32_t sctlr, uint32_t actlr)
{
    struct smmu_config c = config();
    struct mem_port port = fake_mem_init(&f->mem, 100 * SIM_NS);

    sim_reset();
    f->pm = physmem_new();
    f->s = smmu_new(&c, f->pm, timed ? &port : NULL, timed ? &port : NULL);
    assert_non_null(f->s);
    bank_up(f->s, sctlr, actlr);
}

static void fx_down(struct fx *f)
{
    smmu_free(f->s);
    physmem_free(f->pm);
}

static uint32_t reg(struct fx *f, uint32_t r)
{
    return smmu_mmio_read(f->s, SMMU_CTX_REG(0, r));
}

static void clear_fsr(struct fx *f)
{
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_FSR), 0x4000000Fu | FSR_MHF | FSR_TLBMF);
}

static enum smmu_status access(struct fx *f, uint32_t va, bool write, uint32_t *pa)
{
    struct smmu_txn t = { .mid = MID, .iova = va, .bytes = 64, .write = write };
    enum smmu_status st = smmu_access(f->s, &t);
    if (pa)
        *pa = t.pa;
    return st;
}

static sim_time_t done_at;
static void record_done(struct smmu_txn *t)
{
    (void)t;
    done_at = sim_now();
}

static enum smmu_status submit(struct fx *f, uint32_t va, struct smmu_txn *t)
{
    *t = (struct smmu_txn){ .mid = MID, .iova = va, .bytes = 64, .done = record_done };
    smmu_submit(f->s, t);
    sim_run(SIM_TIME_MAX);
    return t->status;
}

/* ---- The access flag --------------------------------------------------------------- */

/*
 * VA 0x30000000 -> section at PA 0xD0000000, user RW, nG, AP0 (the access flag) 0:
 * 0xD0000000 | AP1 (1 << 11) | nG (1 << 17) | 0b10 = 0xD0020802 at L1 index 0x300.
 * With AF: | AP0 (1 << 10) = 0xD0020C02.
 */
#define AF_VA       0x30000040u
#define AF0_DESC    0xD0020802u
#define AF1_DESC    0xD0020C02u

static void check_af0_every_access(struct fx *f, bool timed)
{
    struct smmu_txn t;

    physmem_write32(f->pm, L1_BASE + 0x300 * 4, AF0_DESC);
    for (unsigned i = 1; i <= 3; i++) {
        enum smmu_status st = timed ? submit(f, AF_VA, &t) : access(f, AF_VA, false, NULL);
        /* each access misses, walks (one L1 read) and faults AFF: FSR bit 2 = 0x4, FAR
         * the VA, FSYNR0.AMID = 1; nothing was put in the TLB */
        assert_int_equal(st, SMMU_FAULTED);
        assert_int_equal(reg(f, SMMU_FSR), FSR_AFF);
        assert_int_equal(reg(f, SMMU_FAR), AF_VA);
        assert_int_equal(reg(f, SMMU_FSYNR0), MID);
        assert_int_equal(reg(f, SMMU_FSYNR1), 0);
        assert_int_equal(tlb_valid_entries(smmu_tlb(f->s)), 0);
        assert_int_equal(smmu_ctx_stats(f->s, 0)->misses, i);
        assert_int_equal(smmu_ctx_stats(f->s, 0)->walks, i);
        assert_int_equal(smmu_ctx_stats(f->s, 0)->faults_access_flag, i);
        clear_fsr(f);
    }
    /* software sets AF and invalidates the VA (TLBIVA = VA[31:12] | ASID 7): the next
     * access walks and fills (PA 0xD0000040), the one after hits */
    physmem_write32(f->pm, L1_BASE + 0x300 * 4, AF1_DESC);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_TLBIVA), (AF_VA & 0xFFFFF000u) | ASID);
    if (timed) {
        assert_int_equal(submit(f, AF_VA, &t), SMMU_DONE);
        assert_false(t.tlb_hit);
        assert_int_equal(t.pa, 0xD0000040u);
        assert_int_equal(submit(f, AF_VA, &t), SMMU_DONE);
        assert_true(t.tlb_hit);
    } else {
        uint32_t pa;
        assert_int_equal(access(f, AF_VA, false, &pa), SMMU_DONE);
        assert_int_equal(pa, 0xD0000040u);
        assert_int_equal(smmu_ctx_stats(f->s, 0)->hits, 0);
        assert_int_equal(access(f, AF_VA, false, &pa), SMMU_DONE);
        assert_int_equal(smmu_ctx_stats(f->s, 0)->hits, 1);
    }
    assert_int_equal(tlb_valid_entries(smmu_tlb(f->s)), 1);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->walks, 4);
    assert_int_equal(reg(f, SMMU_FSR), 0);
}

static void test_af0_never_cached_functional(void **state)
{
    struct fx f;

    (void)state;
    fx_up(&f, false, SCTLR_TRE | SCTLR_AFE, ACTLR_WALK);
    check_af0_every_access(&f, false);
    fx_down(&f);
}

static void test_af0_never_cached_timed(void **state)
{
    struct fx f;

    (void)state;
    fx_up(&f, true, SCTLR_TRE | SCTLR_AFE, ACTLR_WALK);
    check_af0_every_access(&f, true);
    fx_down(&f);
}

/* ---- TLBMF: a miss without the hardware walk ------------------------------------------ */

/*
 * ACTLR.TLBMCFG = 0 (only CFEIE | CFERE): the model reads every value but 3 as "no
 * hardware walk", so a miss faults TLBMF (FSR bit 4 = 0x10) without reading a
 * descriptor. The access is a user write of MID 1: FSYNR1.AWRITE (bit 8) = 0x100;
 * FSR.SL stays 0 (no level was walked).
 */
static void test_tlbmf_on_miss_without_walk(void **state)
{
    struct fx f;
    struct smmu_txn t;

    (void)state;
    fx_up(&f, false, SCTLR_TRE | SCTLR_AFE, ACTLR_CFEIE | ACTLR_CFERE);
    physmem_write32(f.pm, L1_BASE + 0x300 * 4, AF1_DESC);   /* mapped: a walk would succeed */
    assert_int_equal(access(&f, 0x30000100u, true, NULL), SMMU_FAULTED);
    assert_int_equal(reg(&f, SMMU_FSR), FSR_TLBMF);
    assert_int_equal(reg(&f, SMMU_FAR), 0x30000100u);
    assert_int_equal(reg(&f, SMMU_FSYNR0), MID);
    assert_int_equal(reg(&f, SMMU_FSYNR1), FSYNR1_AWRITE);
    assert_int_equal(smmu_ctx_stats(f.s, 0)->walks, 0);
    assert_int_equal(smmu_ctx_stats(f.s, 0)->faults_tlb_miss, 1);
    fx_down(&f);

    /* timed: the same fault, known after the 5 ns lookup, no descriptor read */
    fx_up(&f, true, SCTLR_TRE | SCTLR_AFE, ACTLR_CFEIE | ACTLR_CFERE);
    physmem_write32(f.pm, L1_BASE + 0x300 * 4, AF1_DESC);
    assert_int_equal(submit(&f, 0x30000100u, &t), SMMU_FAULTED);
    assert_int_equal(t.fsr, FSR_TLBMF);
    assert_int_equal(t.translated, 5 * SIM_NS);
    assert_int_equal(f.mem.requests, 0);
    assert_int_equal(reg(&f, SMMU_FSR), FSR_TLBMF);
    assert_int_equal(reg(&f, SMMU_FAR), 0x30000100u);
    fx_down(&f);
}

/* ---- MHF: two entries for one access --------------------------------------------------- */

/*
 * A 4K entry and a 1M entry left for one VA by a remap without invalidation:
 *  1. L1[0x500] = L2_BASE | 0b01 (page table); L2[0x01] = small page 0x90005000, user
 *     RW, nG: 0x90005000 | nG (1 << 11) | AP1 (1 << 5) | AP0 (1 << 4) | 0b10 = 0x90005832.
 *     An access to 0x50001040 fills a 4K entry.
 *  2. Software rewrites L1[0x500] as a section at 0x9F000000, user RW, nG:
 *     0x9F000000 | 0x20C02 = 0x9F020C02, and does not invalidate. An access to
 *     0x50080000 (outside the 4K entry) misses and fills a 1M entry.
 *  3. 0x50001040 now matches both: FSR.MHF (bit 7 = 0x80), FAR the VA, FSYNR0.AMID 1,
 *     no SL; no data access.
 *  4. TLBIVA (0x50001000 | ASID 7) removes both (TLBIVA takes every entry covering the
 *     VA): the access walks and gets the section's PA 0x9F001040.
 */
static void build_multi_hit(struct fx *f, bool timed)
{
    struct smmu_txn t;

    physmem_write32(f->pm, L1_BASE + 0x500 * 4, L2_BASE | PTE_L1_TYPE_TABLE);
    physmem_write32(f->pm, L2_BASE + 0x01 * 4, 0x90005832u);
    if (timed)
        assert_int_equal(submit(f, 0x50001040u, &t), SMMU_DONE);
    else
        assert_int_equal(access(f, 0x50001040u, false, NULL), SMMU_DONE);
    physmem_write32(f->pm, L1_BASE + 0x500 * 4, 0x9F020C02u);
    if (timed)
        assert_int_equal(submit(f, 0x50080000u, &t), SMMU_DONE);
    else
        assert_int_equal(access(f, 0x50080000u, false, NULL), SMMU_DONE);
    assert_int_equal(tlb_valid_entries(smmu_tlb(f->s)), 2);
    assert_int_equal(tlb_match_count(smmu_tlb(f->s), VMID, ASID, 0x50001040u), 2);
}

static void test_mhf_on_two_matching_entries(void **state)
{
    struct fx f;
    uint32_t pa;

    (void)state;
    fx_up(&f, false, SCTLR_TRE | SCTLR_AFE, ACTLR_WALK);
    build_multi_hit(&f, false);
    assert_int_equal(access(&f, 0x50001040u, false, NULL), SMMU_FAULTED);
    assert_int_equal(reg(&f, SMMU_FSR), FSR_MHF);
    assert_int_equal(reg(&f, SMMU_FAR), 0x50001040u);
    assert_int_equal(reg(&f, SMMU_FSYNR0), MID);
    assert_int_equal(reg(&f, SMMU_FSYNR1), 0);
    assert_int_equal(smmu_ctx_stats(f.s, 0)->faults_multi_hit, 1);
    clear_fsr(&f);
    smmu_mmio_write(f.s, SMMU_CTX_REG(0, SMMU_TLBIVA), 0x50001000u | ASID);
    assert_int_equal(tlb_valid_entries(smmu_tlb(f.s)), 0);
    assert_int_equal(access(&f, 0x50001040u, false, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x9F001040u);
    fx_down(&f);
}

static void test_mhf_timed(void **state)
{
    struct fx f;
    struct smmu_txn t;

    (void)state;
    fx_up(&f, true, SCTLR_TRE | SCTLR_AFE, ACTLR_WALK);
    build_multi_hit(&f, true);
    unsigned reads = f.mem.requests;
    sim_time_t t0 = sim_now();
    /* the fault is known after the 5 ns lookup; no data access leaves */
    assert_int_equal(submit(&f, 0x50001040u, &t), SMMU_FAULTED);
    assert_int_equal(t.fsr, FSR_MHF);
    assert_int_equal(t.translated - t0, 5 * SIM_NS);
    assert_int_equal(f.mem.requests, reads);
    assert_int_equal(reg(&f, SMMU_FSR), FSR_MHF);
    assert_int_equal(reg(&f, SMMU_FAR), 0x50001040u);
    fx_down(&f);
}

/* ---- PAR ----------------------------------------------------------------------------- */

/*
 * A fault at level 2 keeps SL in PAR: L1[0x500] a page table, L2[0x02] = 0 (fault):
 * V2PPR of 0x50002000 -> FAULT (bit 0) | TF (bit 1) | SL (bit 16) = 0x10003.
 * L2[0x03] = small page with AP0 = 0 (0x90007822: AP1 | nG | 0b10, AFE = 1):
 * FAULT | AFF (bit 2) | SL = 0x10005. A level-1 fault (L1[0x600] = 0) has no SL: 0x3.
 */
static void test_par_fault_keeps_sl(void **state)
{
    struct fx f;

    (void)state;
    fx_up(&f, false, SCTLR_TRE | SCTLR_AFE, ACTLR_WALK);
    physmem_write32(f.pm, L1_BASE + 0x500 * 4, L2_BASE | PTE_L1_TYPE_TABLE);
    physmem_write32(f.pm, L2_BASE + 0x03 * 4, 0x90007822u);
    smmu_mmio_write(f.s, SMMU_CTX_REG(0, SMMU_V2PPR), 0x50002000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x10003u);
    smmu_mmio_write(f.s, SMMU_CTX_REG(0, SMMU_V2PPR), 0x50003000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x10005u);
    smmu_mmio_write(f.s, SMMU_CTX_REG(0, SMMU_V2PPR), 0x60000000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x3u);
    /* V2P raises no context fault */
    assert_int_equal(reg(&f, SMMU_FSR), 0);
    fx_down(&f);
}

/*
 * SCTLR.TRE = 1, PRRR = 0x020A01AA, NMRR = 0x00E400E4:
 *   PRRR MTC0..7 ([15:0] = 0x01AA): regions 0..3 normal (2), 4 device (1), 5..7 SO (0);
 *   bits [19:16] = 0xA: SHDSH1 (17) and SHNMSH1 (19) set, SHDSH0 and SHNMSH0 clear;
 *   NOS1 (bit 25) set. NMRR ICPC0..3 ([7:0] = 0xE4): 0 NC, 1 WB-WA, 2 WT, 3 WB-NWA.
 * PAR.MT (ARMv7 PAR Inner[2:0]): NC 0, SO 1, device 3, WB-WA 5, WT 6, WB-NWA 7.
 *
 *  a. small page 0x50001000 -> 0x90005000, region 3 (TEX 0, C 1, B 1), S = 1, in an L2
 *     table whose L1 descriptor has NS (bit 3): 0x90005000 | S (1 << 10) | nG | AP1 |
 *     AP0 | C (1 << 3) | B (1 << 2) | 0b10 = 0x90005C3E; L1 = 0x00200009.
 *     Normal WB-NWA: MT 7 (0x70), SH = SHNMSH1 = 1 (0x80), NS (0x200), NOS = NOS3 = 0:
 *     PAR = 0x90005000 | 0x2F0 = 0x900052F0.
 *  b. section 0x40000000 -> 0x80000000, region 1 (B = 1), S = 1:
 *     0x80000000 | S (1 << 16) | nG | AP1 | AP0 | B | 0b10 = 0x80030C06.
 *     Normal WB-WA: MT 5 (0x50), SH = 1 (0x80), NOS = NOS1 = 1 (0x400): 0x800004D0.
 *  c. section 0x41000000 -> 0x81000000, region 4 (TEX[0] = 1: 1 << 12), S = 0:
 *     0x81000000 | 0x1000 | 0x20C02 = 0x81021C02. Device, SH = SHDSH0 = 0: MT 3 (0x30):
 *     PAR = 0x81000030.
 * SCTLR.TRE = 0 (the same bank, TRE cleared), TEX/C/B read directly:
 *  d. section 0x42000000 -> 0x82000000, TEX 0b101 (5 << 12), C 1, B 0, S 1:
 *     0x82000000 | 0x10000 | 0x5000 | 0x20C02 | C 0x8 = 0x8203DC0A. TEX = 1BB: inner
 *     policy C:B = 0b10 WT: MT 6 (0x60), SH = S = 1 (0x80): PAR = 0x820000E0.
 *  e. section 0x43000000 -> 0x83000000, TEX 0, C 0, B 1: 0x83020C06. Shareable device:
 *     MT 3 (0x30), SH 1 (0x80): PAR = 0x830000B0.
 *  b again: TEX 0, C 0, B 1, S 1 is shareable device too: 0x800000B0.
 */
static void test_par_attributes(void **state)
{
    struct fx f;
    uint32_t v2ppr = SMMU_CTX_REG(0, SMMU_V2PPR);

    (void)state;
    fx_up(&f, false, SCTLR_TRE | SCTLR_AFE, ACTLR_WALK);
    smmu_mmio_write(f.s, SMMU_CTX_REG(0, SMMU_PRRR), 0x020A01AAu);
    smmu_mmio_write(f.s, SMMU_CTX_REG(0, SMMU_NMRR), 0x00E400E4u);
    physmem_write32(f.pm, L1_BASE + 0x500 * 4, L2_BASE | PTE_L1_TABLE_NS | PTE_L1_TYPE_TABLE);
    physmem_write32(f.pm, L2_BASE + 0x01 * 4, 0x90005C3Eu);
    physmem_write32(f.pm, L1_BASE + 0x400 * 4, 0x80030C06u);
    physmem_write32(f.pm, L1_BASE + 0x410 * 4, 0x81021C02u);
    physmem_write32(f.pm, L1_BASE + 0x420 * 4, 0x8203DC0Au);
    physmem_write32(f.pm, L1_BASE + 0x430 * 4, 0x83020C06u);

    smmu_mmio_write(f.s, v2ppr, 0x50001000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x900052F0u);
    smmu_mmio_write(f.s, v2ppr, 0x40000000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x800004D0u);
    smmu_mmio_write(f.s, v2ppr, 0x41000000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x81000030u);

    smmu_mmio_write(f.s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_AFE | SCTLR_M);
    smmu_mmio_write(f.s, v2ppr, 0x42000000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x820000E0u);
    smmu_mmio_write(f.s, v2ppr, 0x43000000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x830000B0u);
    smmu_mmio_write(f.s, v2ppr, 0x40000000u);
    assert_int_equal(reg(&f, SMMU_PAR), 0x800000B0u);
    fx_down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_af0_never_cached_functional),
        cmocka_unit_test(test_af0_never_cached_timed),
        cmocka_unit_test(test_tlbmf_on_miss_without_walk),
        cmocka_unit_test(test_mhf_on_two_matching_entries),
        cmocka_unit_test(test_mhf_timed),
        cmocka_unit_test(test_par_fault_keeps_sl),
        cmocka_unit_test(test_par_attributes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
