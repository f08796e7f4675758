/*
 * test_smmu.c - the SMMU model against hand-derived register values and timings.
 *
 * Page tables are written word by word into physmem (the driver in vcm/ is tested
 * separately); registers are programmed through MMIO exactly as software would.
 * Every expected value is worked out in a comment from the ARMv7 short-descriptor
 * format and the register map in HARDWARE.md.
 */
#include <errno.h>
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

/* ---- The fixture: tables at fixed physical addresses ---------------------------- */

#define L1_BASE     0x00100000u     /* 16 KiB aligned */
#define L2_BASE     0x00200000u     /* 1 KiB aligned */

/*
 * VA 0x40000000 -> section at PA 0x80000000, user RW, nG.
 *   L1 index 0x400, descriptor at 0x00100000 + 0x400 * 4 = 0x00101000.
 *   0x80000000 | AP0 (1<<10) | AP1 (1<<11) | nG (1<<17) | type 0b10
 *   = 0x80000000 | 0x400 | 0x800 | 0x20000 | 0x2 = 0x80020C02
 */
#define SECT_VA     0x40000000u
#define SECT_DESC   0x80020C02u
/*
 * VA 0x50001000 -> small page at PA 0x90005000, user RW, nG.
 *   L1 index 0x500 at 0x00101400 = 0x00200000 | 0b01 = 0x00200001 (page table)
 *   L2 index 0x01 at 0x00200004 = 0x90005000 | nG (1<<11) | AP1 (1<<5) | AP0 (1<<4) | 0b10
 *   = 0x90005000 | 0x800 | 0x20 | 0x10 | 0x2 = 0x90005832
 */
#define PAGE_VA     0x50001000u
#define PAGE_DESC   0x90005832u
/*
 * VA 0x60000000 -> read-only section at PA 0xA0000000:
 *   0xA0000000 | AP2 (1<<15) | AP1 | AP0 | nG | 0b10 = 0xA0028C02, at 0x00101800.
 */
#define RO_VA       0x60000000u
#define RO_DESC     0xA0028C02u
/*
 * VA 0x70000000 -> supersection at PA 0xB0000000, 16 entries from index 0x700:
 *   0xB0000000 | super (1<<18) | nG | AP1 | AP0 | 0b10 = 0xB0060C02
 */
#define SS_VA       0x70000000u
#define SS_DESC     0xB0060C02u

struct fixture {
    struct physmem *pm;
    struct smmu *s;
    unsigned irqs;
    int resume_with;        /* -1: the handler does not write RESUME */
    bool fix_table;         /* the handler maps the faulting page first */
    uint32_t fsr_seen, far_seen, fsynr0_seen;
};

static void write_tables(struct physmem *pm)
{
    physmem_write32(pm, L1_BASE + 0x400 * 4, SECT_DESC);
    physmem_write32(pm, L1_BASE + 0x500 * 4, L2_BASE | PTE_L1_TYPE_TABLE);
    physmem_write32(pm, L2_BASE + 0x01 * 4, PAGE_DESC);
    physmem_write32(pm, L1_BASE + 0x600 * 4, RO_DESC);
    for (unsigned i = 0; i < 16; i++)
        physmem_write32(pm, L1_BASE + (0x700 + i) * 4, SS_DESC);
}

/* Bank bring-up through MMIO: VMID 3, ASID asid, MID mid routed to it. */
static void setup_bank(struct smmu *s, unsigned bank, unsigned mid, unsigned asid, bool stall)
{
    smmu_mmio_write(s, SMMU_CTX_REG(bank, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE);
    smmu_mmio_write(s, SMMU_CTX_REG(bank, SMMU_ACTLR),
                    ACTLR_CFEIE | ACTLR_CFERE | (3u << ACTLR_TLBMCFG_SHIFT) |
                    (stall ? ACTLR_CFCFG : 0));
    smmu_mmio_write(s, SMMU_CTX_REG(bank, SMMU_TTBCR), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(bank, SMMU_TTBR0), L1_BASE);
    smmu_mmio_write(s, SMMU_CTX_REG(bank, SMMU_CONTEXTIDR), asid);
    smmu_mmio_write(s, SMMU_CBACR_N(bank), 3u << CBACR_CBVMID_SHIFT);
    smmu_mmio_write(s, SMMU_M2VCBR_N(mid), 3u | (bank << M2VCBR_CBNDX_SHIFT));
    smmu_mmio_write(s, SMMU_CTX_REG(bank, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE | SCTLR_M);
}

static struct smmu_config default_config(void)
{
    struct smmu_config c = {
        .name = "test", .base = 0x07700000, .nbanks = 2, .nmids = 16, .irq = 59,
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000,          /* 5 ns cycles */
        .tlb_lookup_cycles = 1,         /* 5 ns */
        .walk_overhead_cycles = 2,      /* 10 ns */
        .max_walks = 4,
        .hit_under_miss = true,
    };
    return c;
}

static void irq_handler(void *arg, struct smmu *s)
{
    struct fixture *f = arg;

    f->irqs++;
    f->fsr_seen = smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FSR));
    f->far_seen = smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FAR));
    f->fsynr0_seen = smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_FSYNR0));
    if (f->fix_table) {
        /* map VA 0x45600000 as a section at PA 0xC0000000: index 0x456 */
        physmem_write32(f->pm, L1_BASE + 0x456 * 4, 0xC0020C02u);
    }
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_FSR), 0x4000000Fu);
    if (f->resume_with >= 0)
        smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_RESUME), (uint32_t)f->resume_with);
}

static struct fixture *fixture_new(const struct smmu_config *cfg,
                                   const struct mem_port *data, const struct mem_port *walk)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    f->pm = physmem_new();
    write_tables(f->pm);
    f->s = smmu_new(cfg, f->pm, data, walk);
    assert_non_null(f->s);
    f->resume_with = -1;
    smmu_set_irq_handler(f->s, irq_handler, f);
    return f;
}

static void fixture_free(struct fixture *f)
{
    smmu_free(f->s);
    physmem_free(f->pm);
    test_free(f);
}

static int setup(void **state)
{
    (void)state;
    sim_reset();
    return 0;
}

static enum smmu_status access(struct smmu *s, unsigned mid, uint32_t va, bool write,
                               uint32_t *pa)
{
    struct smmu_txn t = { .mid = (uint16_t)mid, .iova = va, .bytes = 64, .write = write,
                          .privileged = false };
    enum smmu_status st = smmu_access(s, &t);
    if (pa)
        *pa = t.pa;
    return st;
}

/* ---- Registers, routing, bypass --------------------------------------------------- */

static void test_idr_and_reset(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);

    /* NM2VCBMT = 16 - 1 = 0xF; HTW bit 9 = 0x200; TLBSIZE = log2(32) = 5 at [15:12]
     * = 0x5000; NCB = 2 - 1 = 1 at [23:16] = 0x10000. Sum 0x0001520F. */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_IDR), 0x0001520Fu);
    /* reset: every MID unrouted (CBNDX = 0xFF) */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_M2VCBR_N(5)), 0xFF00u);
    /* registers hold what is written */
    smmu_mmio_write(f->s, SMMU_CTX_REG(1, SMMU_TTBR1), 0x12344000u);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(1, SMMU_TTBR1)), 0x12344000u);
    /* bank 2 does not exist: reads as zero, writes ignored */
    smmu_mmio_write(f->s, SMMU_CTX_REG(2, SMMU_TTBR0), 0xFFFFC000u);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(2, SMMU_TTBR0)), 0);
    fixture_free(f);
}

static void test_unrouted_mid_global_fault(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    setup_bank(f->s, 0, 1, 7, false);

    struct smmu_txn t = { .mid = 4, .iova = 0x40001234u, .bytes = 16, .write = true };
    assert_int_equal(smmu_access(f->s, &t), SMMU_GLOBAL_FAULTED);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_ESR), ESR_CFG);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_EAR), 0x40001234u);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_ESYNR0), 4u);             /* AMID */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_ESYNR1), ESYNR1_AWRITE);
    /* a second one before ESR is cleared sets MULTI and keeps EAR */
    t.iova = 0x1000;
    assert_int_equal(smmu_access(f->s, &t), SMMU_GLOBAL_FAULTED);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_ESR), ESR_CFG | ESR_MULTI);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_EAR), 0x40001234u);
    /* write one to clear */
    smmu_mmio_write(f->s, SMMU_ESR, ESR_CFG | ESR_MULTI);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_ESR), 0);
    /* a MID beyond the implemented ones faults too */
    t.mid = 16;
    assert_int_equal(smmu_access(f->s, &t), SMMU_GLOBAL_FAULTED);
    assert_int_equal(smmu_stats(f->s)->global_faults, 3);
    fixture_free(f);
}

static void test_bypass(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    uint32_t pa;

    /* routed to bank 0 but SCTLR.M = 0: PA = IOVA */
    smmu_mmio_write(f->s, SMMU_M2VCBR_N(2), 0u << M2VCBR_CBNDX_SHIFT);
    assert_int_equal(access(f->s, 2, 0x12345678u, false, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x12345678u);
    /* translation on, but CR.CLIENTPD bypasses the whole SMMU */
    setup_bank(f->s, 0, 2, 7, false);
    smmu_mmio_write(f->s, SMMU_CR, CR_CLIENTPD);
    assert_int_equal(access(f->s, 2, 0x00ABC000u, false, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x00ABC000u);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->bypassed, 2);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->translations, 0);
    fixture_free(f);
}

/* ---- Functional translation -------------------------------------------------------- */

static void test_translate_section_page_supersection(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    uint32_t pa;
    setup_bank(f->s, 0, 1, 7, false);

    /* section: PA = 0x80000000 | VA[19:0] = 0x800ABCDE */
    assert_int_equal(access(f->s, 1, SECT_VA | 0xABCDEu, false, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x800ABCDEu);
    /* small page: PA = 0x90005000 | VA[11:0] */
    assert_int_equal(access(f->s, 1, PAGE_VA | 0x123u, true, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x90005123u);
    /* supersection: PA = 0xB0000000 | VA[23:0] for the last MiB of the 16 */
    assert_int_equal(access(f->s, 1, SS_VA | 0xF12345u, false, &pa), SMMU_DONE);
    assert_int_equal(pa, 0xB0F12345u);

    const struct smmu_ctx_stats *st = smmu_ctx_stats(f->s, 0);
    /* three misses, three walks; descriptor reads 1 + 2 + 1 = 4 */
    assert_int_equal(st->misses, 3);
    assert_int_equal(st->walks, 3);
    assert_int_equal(st->desc_reads, 4);
    /* the same section again, elsewhere in its MiB: a hit */
    assert_int_equal(access(f->s, 1, SECT_VA | 0xFFFFCu, false, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x800FFFFCu);
    assert_int_equal(st->hits, 1);
    assert_int_equal(st->translations, 4);
    fixture_free(f);
}

static void test_context_faults_terminate(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    setup_bank(f->s, 0, 1, 7, false);

    /* L1 entry 0x123 is a fault entry: translation fault at level 1, FSR = TF (bit 1) */
    struct smmu_txn t = { .mid = 1, .iova = 0x12345678u, .bytes = 4, .write = true };
    assert_int_equal(smmu_access(f->s, &t), SMMU_FAULTED);
    assert_int_equal(f->irqs, 1);
    assert_int_equal(f->fsr_seen, FSR_TF);
    assert_int_equal(f->far_seen, 0x12345678u);
    assert_int_equal(f->fsynr0_seen, 1u);
    /* the handler cleared FSR with 0x4000000F */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)), 0);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSYNR1)), FSYNR1_AWRITE);

    /* VA 0x50002000: L1 points to the L2 table, L2 entry 2 is empty: TF | SL */
    t.iova = 0x50002000u;
    assert_int_equal(smmu_access(f->s, &t), SMMU_FAULTED);
    assert_int_equal(f->fsr_seen, FSR_TF | FSR_SL);

    /* write to the read-only section: permission fault, FSR.APF (bit 3) */
    t.iova = RO_VA;
    assert_int_equal(smmu_access(f->s, &t), SMMU_FAULTED);
    assert_int_equal(f->fsr_seen, FSR_APF);
    /* a read of it is fine: PA 0xA0000000 */
    uint32_t pa;
    assert_int_equal(access(f->s, 1, RO_VA + 8, false, &pa), SMMU_DONE);
    assert_int_equal(pa, 0xA0000008u);
    /* and a write now hits the TLB entry and still faults */
    t.iova = RO_VA + 16;
    assert_int_equal(smmu_access(f->s, &t), SMMU_FAULTED);
    assert_int_equal(f->fsr_seen, FSR_APF);

    const struct smmu_ctx_stats *st = smmu_ctx_stats(f->s, 0);
    assert_int_equal(st->faults, 4);
    assert_int_equal(st->faults_translation, 2);
    assert_int_equal(st->faults_permission, 2);
    assert_int_equal(st->terminated, 4);
    fixture_free(f);
}

static void test_access_flag_fault(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    setup_bank(f->s, 0, 1, 7, false);
    /* VA 0x30000000 -> section at 0xD0000000 with AP0 (the access flag) clear:
     * 0xD0000000 | AP1 (1<<11) | nG (1<<17) | 0b10 = 0xD0020802, L1 index 0x300 */
    physmem_write32(f->pm, L1_BASE + 0x300 * 4, 0xD0020802u);

    struct smmu_txn t = { .mid = 1, .iova = 0x30000040u, .bytes = 4 };
    assert_int_equal(smmu_access(f->s, &t), SMMU_FAULTED);
    /* SCTLR.AFE = 1: FSR.AFF (bit 2), FAR the VA */
    assert_int_equal(f->fsr_seen, FSR_AFF);
    assert_int_equal(f->far_seen, 0x30000040u);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->faults_access_flag, 1);
    fixture_free(f);
}

static void test_fault_multi_when_not_cleared(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    setup_bank(f->s, 0, 1, 7, false);
    smmu_set_irq_handler(f->s, NULL, NULL);     /* nobody clears FSR */

    struct smmu_txn t = { .mid = 1, .iova = 0x00300000u, .bytes = 4 };
    smmu_access(f->s, &t);
    t.iova = 0x00400000u;
    smmu_access(f->s, &t);
    /* the first fault's syndrome stays; the second sets MULTI */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)), FSR_TF | FSR_MULTI);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FAR)), 0x00300000u);
    fixture_free(f);
}

static void test_stall_resume_retry_and_terminate(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    setup_bank(f->s, 0, 1, 7, true);

    /* stall, the handler maps the page and writes RESUME.TNR = 0: the retried walk
     * finds the new section: PA = 0xC0000000 | 0x0ABCD */
    f->fix_table = true;
    f->resume_with = 0;
    struct smmu_txn t = { .mid = 1, .iova = 0x4560ABCDu, .bytes = 4 };
    assert_int_equal(smmu_access(f->s, &t), SMMU_DONE);
    assert_int_equal(t.pa, 0xC000ABCDu);
    /* the handler saw the stall: FSR = TF | SS */
    assert_int_equal(f->fsr_seen, FSR_TF | FSR_SS);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)), 0);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->retries, 1);

    /* stall, RESUME.TNR = 1: terminated with an error */
    f->fix_table = false;
    f->resume_with = RESUME_TNR;
    t.iova = 0x00500000u;
    assert_int_equal(smmu_access(f->s, &t), SMMU_FAULTED);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)) & FSR_SS, 0);

    /* stall with no RESUME: left stalled, FSR.SS stays until RESUME is written */
    f->resume_with = -1;
    t.iova = 0x00600000u;
    assert_int_equal(smmu_access(f->s, &t), SMMU_STALLED);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)) & FSR_SS, FSR_SS);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_FSR), 0x4000000Fu);   /* SS not W1C */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)) & FSR_SS, FSR_SS);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_RESUME), RESUME_TNR);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)) & FSR_SS, 0);
    fixture_free(f);
}

static void test_v2p(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    setup_bank(f->s, 0, 1, 7, false);
    unsigned par = SMMU_CTX_REG(0, SMMU_PAR);

    /*
     * Every descriptor here has TEX = C = B = 0 and SCTLR.TRE = 1 with PRRR = 0:
     * region 0's MTC0 = 0 is strongly-ordered, so PAR.MT (bits [6:4]) = 0b001 and
     * PAR.SH (bit 7) = 1: the attribute bits are 0x10 | 0x80 = 0x90 (NS, NOS clear).
     * section: PAR = PA[31:12] | 0x90 = 0x800AB090
     */
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PPR), SECT_VA | 0xAB123u);
    assert_int_equal(smmu_mmio_read(f->s, par), 0x800AB090u);
    /* small page */
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PUW), PAGE_VA);
    assert_int_equal(smmu_mmio_read(f->s, par), 0x90005090u);
    /* supersection: PA[31:12] with the SS bit (bit 1): 0xB0F12000 | 0x2 | 0x90 */
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PPR), SS_VA | 0xF12345u);
    assert_int_equal(smmu_mmio_read(f->s, par), 0xB0F12092u);
    /* unmapped: FAULT (bit 0) with TF (bit 1) = 0x3 */
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PPR), 0x00100000u);
    assert_int_equal(smmu_mmio_read(f->s, par), 0x3u);
    /* user write to the read-only section: FAULT | APF = 0x1 | 0x8 = 0x9 */
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PUW), RO_VA);
    assert_int_equal(smmu_mmio_read(f->s, par), 0x9u);
    /* V2P does not raise a context fault */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)), 0);
    assert_int_equal(f->irqs, 0);
    fixture_free(f);
}

/* ---- TLB maintenance through registers ----------------------------------------------- */

static void test_tlb_maintenance_registers(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    /* two banks on the same tables and VMID 3, ASIDs 7 and 9, MIDs 1 and 2 */
    setup_bank(f->s, 0, 1, 7, false);
    setup_bank(f->s, 1, 2, 9, false);
    struct tlb *tlb = smmu_tlb(f->s);

    access(f->s, 1, SECT_VA, false, NULL);
    access(f->s, 2, SECT_VA, false, NULL);
    access(f->s, 1, PAGE_VA, false, NULL);
    assert_int_equal(tlb_valid_entries(tlb), 3);     /* nG entries: one per ASID */

    /* TLBIASID on bank 0 with ASID 7: removes ASID 7's two entries only */
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_TLBIASID), 7);
    assert_int_equal(tlb_valid_entries(tlb), 1);
    assert_non_null(tlb_probe(tlb, 3, 9, SECT_VA));

    /* TLBIVA for VA SECT_VA, ASID 9 */
    smmu_mmio_write(f->s, SMMU_CTX_REG(1, SMMU_TLBIVA), SECT_VA | 9u);
    assert_int_equal(tlb_valid_entries(tlb), 0);

    access(f->s, 1, SECT_VA, false, NULL);
    access(f->s, 2, PAGE_VA, false, NULL);
    /* TLBIVAA: every ASID's entry for the page */
    smmu_mmio_write(f->s, SMMU_CTX_REG(1, SMMU_TLBIVAA), PAGE_VA);
    assert_int_equal(tlb_valid_entries(tlb), 1);
    /* CTX_TLBIALL: everything of the bank's VMID (3) */
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_CTX_TLBIALL), 0);
    assert_int_equal(tlb_valid_entries(tlb), 0);

    access(f->s, 1, SECT_VA, false, NULL);
    smmu_mmio_write(f->s, SMMU_TLBIVMID, 4);        /* another VMID: nothing */
    assert_int_equal(tlb_valid_entries(tlb), 1);
    smmu_mmio_write(f->s, SMMU_TLBIVMID, 3);
    assert_int_equal(tlb_valid_entries(tlb), 0);
    access(f->s, 1, SECT_VA, false, NULL);
    smmu_mmio_write(f->s, SMMU_GLOBAL_TLBIALL, 0);
    assert_int_equal(tlb_valid_entries(tlb), 0);

    /* entry read-back: fill one section and read index 0 (first invalid way) */
    access(f->s, 1, SECT_VA, false, NULL);
    smmu_mmio_write(f->s, SMMU_TLBRSW, 0);
    /* TLBTR1 = PA[31:12] | VMID = 0x80000000 | 3 */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_TLBTR1), 0x80000003u);
    /* TLBTR2 = VA[31:12] | NV (bit 10) | V (bit 8) | ASID 7 = 0x40000507 */
    assert_int_equal(smmu_mmio_read(f->s, SMMU_TLBTR2), 0x40000507u);
    fixture_free(f);
}

static void test_tlblckr_gated(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    unsigned reg = SMMU_CTX_REG(0, SMMU_TLBLCKR);
    uint32_t v = TLBLCKR_LKE | (2u << TLBLCKR_FLOOR_SHIFT);

    smmu_mmio_write(f->s, reg, v);
    assert_int_equal(smmu_mmio_read(f->s, reg), 0);       /* CR.TLBLKCRWE clear */
    smmu_mmio_write(f->s, SMMU_CR, CR_TLBLKCRWE);
    smmu_mmio_write(f->s, reg, v);
    assert_int_equal(smmu_mmio_read(f->s, reg), v);
    fixture_free(f);
}

/* ---- Configuration errors ------------------------------------------------------------ */

static void expect_config_error(const struct smmu_config *c, const char *msg)
{
    char err[200] = "";
    struct physmem *pm = physmem_new();

    assert_int_equal(smmu_config_check(c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, msg);
    assert_null(smmu_new(c, pm, NULL, NULL));
    physmem_free(pm);
}

static void test_config_errors(void **state)
{
    (void)state;
    struct smmu_config c;

    expect_config_error(NULL, "no SMMU configuration given");
    c = default_config(); c.nbanks = 0;
    expect_config_error(&c, "context banks (0) must be in 1..8");
    c = default_config(); c.nbanks = 9;
    expect_config_error(&c, "context banks (9) must be in 1..8");
    c = default_config(); c.nmids = 129;
    expect_config_error(&c, "MIDs (129) must be in 1..128");
    c = default_config(); c.clock_hz = 0;
    expect_config_error(&c, "clock (0 Hz) must be in 1..10^12 Hz");
    c = default_config(); c.max_walks = 65;
    expect_config_error(&c, "outstanding walks (65) must be in 1..64");
    c = default_config(); c.walk_overhead_cycles = 1001;
    expect_config_error(&c, "TLB lookup and walk overhead cycles must be in 0..1000");
    c = default_config(); c.tlb.ways = 3;
    expect_config_error(&c, "TLB: tlb ways = 3 does not divide entries = 32: ways must be "
                            "a divisor of entries");
    /* A good configuration without physical memory is refused too. */
    c = default_config();
    assert_int_equal(smmu_config_check(&c, NULL, 0), 0);
    assert_null(smmu_new(&c, NULL, NULL, NULL));
}

/* ---- Registers that only hold values, REV, and offsets that are not registers --------- */

static void test_register_file_odds_and_ends(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    struct smmu *s = f->s;

    /* REV: major 1, minor 0 = 0x10 */
    assert_int_equal(smmu_mmio_read(s, SMMU_REV), 0x10u);
    /* Global syndrome registers hold what software writes (a fault handler restoring
     * state); ESRRESTORE sets ESR, which is then write-one-to-clear. */
    smmu_mmio_write(s, SMMU_EAR, 0xDEADB000u);
    smmu_mmio_write(s, SMMU_ESYNR0, 0x7u);
    smmu_mmio_write(s, SMMU_ESYNR1, ESYNR1_AWRITE);
    smmu_mmio_write(s, SMMU_ESRRESTORE, ESR_CFG | ESR_MULTI);
    assert_int_equal(smmu_mmio_read(s, SMMU_EAR), 0xDEADB000u);
    assert_int_equal(smmu_mmio_read(s, SMMU_ESYNR0), 0x7u);
    assert_int_equal(smmu_mmio_read(s, SMMU_ESYNR1), ESYNR1_AWRITE);
    assert_int_equal(smmu_mmio_read(s, SMMU_ESR), ESR_CFG | ESR_MULTI);
    smmu_mmio_write(s, SMMU_ESR, ESR_MULTI);
    assert_int_equal(smmu_mmio_read(s, SMMU_ESR), ESR_CFG);
    smmu_mmio_write(s, SMMU_TLBRSW, 5);
    assert_int_equal(smmu_mmio_read(s, SMMU_TLBRSW), 5);

    /* Bank syndrome registers likewise; FSRRESTORE sets FSR bits W1C cannot (SS). */
    smmu_mmio_write(s, SMMU_CTX_REG(1, SMMU_PAR), 0x12345001u);
    smmu_mmio_write(s, SMMU_CTX_REG(1, SMMU_FAR), 0x00ABC000u);
    smmu_mmio_write(s, SMMU_CTX_REG(1, SMMU_FSYNR0), 3);
    smmu_mmio_write(s, SMMU_CTX_REG(1, SMMU_FSYNR1), FSYNR1_APRIV);
    smmu_mmio_write(s, SMMU_CTX_REG(1, SMMU_FSRRESTORE), FSR_TF | FSR_SS);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(1, SMMU_PAR)), 0x12345001u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(1, SMMU_FAR)), 0x00ABC000u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(1, SMMU_FSYNR0)), 3);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(1, SMMU_FSYNR1)), FSYNR1_APRIV);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(1, SMMU_FSR)), FSR_TF | FSR_SS);
    /* RESUME with nothing stalled changes nothing, not even FSR.SS. */
    smmu_mmio_write(s, SMMU_CTX_REG(1, SMMU_RESUME), RESUME_TNR);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(1, SMMU_FSR)), FSR_TF | FSR_SS);

    /* Offsets with no register: read as zero, writes go nowhere. RPU_ACR (global) and
     * TLBFLPTER (bank) are in the map but not implemented. */
    smmu_mmio_write(s, SMMU_RPU_ACR, 0xFFFFFFFFu);
    assert_int_equal(smmu_mmio_read(s, SMMU_RPU_ACR), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TLBFLPTER), 0xFFFFFFFFu);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_TLBFLPTER)), 0);
    /* A misaligned access does not reach the register it overlaps, in either direction. */
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0), 0x00104000u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_TTBR0) + 2), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0) + 1, 0xFFFFC000u);
    assert_int_equal(smmu_mmio_read(s, SMMU_CTX_REG(0, SMMU_TTBR0)), 0x00104000u);
    /* Past the 1 MiB window. */
    assert_int_equal(smmu_mmio_read(s, SMMU_WINDOW_SIZE), 0);
    smmu_mmio_write(s, SMMU_WINDOW_SIZE, 1);
    fixture_free(f);
}

/* ---- TLB entry read-back (TLBRSW / TLBTR0..2) and V2PSR ------------------------------- */

static void test_tlbtr0_and_v2psr(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    setup_bank(f->s, 0, 1, 7, false);
    /*
     * VA 0x41000000 -> section at PA 0x80000000, privileged and user RW, XN, NS:
     * 0x80000000 | NS (1<<19) | nG (1<<17) | AP1 | AP0 | XN (1<<4) | 0b10 = 0x800A0C12,
     * L1 index 0x410.
     */
    physmem_write32(f->pm, L1_BASE + 0x410 * 4, 0x800A0C12u);

    /* Empty TLB: the fills take indexes 0, 1, 2 in order (fully associative). */
    access(f->s, 1, RO_VA, false, NULL);
    access(f->s, 1, PAGE_VA, false, NULL);
    access(f->s, 1, 0x41000000u, false, NULL);
    unsigned tr0 = SMMU_TLBTR0;

    /* RO section: PR | UR (AP1), no PW/UW (AP2), size 1M (2) at [17:16] = 0x20005 */
    smmu_mmio_write(f->s, SMMU_TLBRSW, 0);
    assert_int_equal(smmu_mmio_read(f->s, tr0), 0x00020005u);
    /* small page, user RW: PR | PW | UR | UW, size 4K (0) = 0xF */
    smmu_mmio_write(f->s, SMMU_TLBRSW, 1);
    assert_int_equal(smmu_mmio_read(f->s, tr0), 0x0000000Fu);
    /* XN (bit 4) and NSDESC (bit 6) as well: 0x20000 | 0x4F | 0x10 = 0x2005F */
    smmu_mmio_write(f->s, SMMU_TLBRSW, 2);
    assert_int_equal(smmu_mmio_read(f->s, tr0), 0x0002005Fu);
    /* an invalid entry reads as zero in all three */
    smmu_mmio_write(f->s, SMMU_TLBRSW, 3);
    assert_int_equal(smmu_mmio_read(f->s, tr0), 0);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_TLBTR1), 0);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_TLBTR2), 0);

    /* V2PSR.HIT says whether the V2P address was in the TLB; PAR comes from a walk. */
    unsigned v2psr = SMMU_CTX_REG(0, SMMU_V2PSR), par = SMMU_CTX_REG(0, SMMU_PAR);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PPR), PAGE_VA | 0x10u);
    assert_int_equal(smmu_mmio_read(f->s, v2psr), V2PSR_HIT);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PPR), SS_VA);
    assert_int_equal(smmu_mmio_read(f->s, v2psr), 0);
    /* privileged write to the RO section: FAULT | APF = 0x9; user read: PA 0xA0003000
     * with MT = strongly-ordered (0x10) and SH (0x80), as in test_v2p */
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PPW), RO_VA);
    assert_int_equal(smmu_mmio_read(f->s, par), 0x9u);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_V2PUR), RO_VA | 0x3456u);
    assert_int_equal(smmu_mmio_read(f->s, par), 0xA0003090u);
    /* bank 1 has translation off: PAR is the VA's page, V2PSR clear */
    smmu_mmio_write(f->s, SMMU_CTX_REG(1, SMMU_V2PPR), 0x12345678u);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(1, SMMU_PAR)), 0x12345000u);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(1, SMMU_V2PSR)), 0);
    fixture_free(f);
}

/* ---- Functional stalls that are retried without a fix --------------------------------- */

static void test_functional_retry_limit(void **state)
{
    (void)state;
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, NULL, NULL);
    setup_bank(f->s, 0, 1, 7, true);
    f->resume_with = 0;                 /* always retry, never map anything */

    struct smmu_txn t = { .mid = 1, .iova = 0x00800000u, .bytes = 4 };
    assert_int_equal(smmu_access(f->s, &t), SMMU_FAULTED);
    /*
     * The functional path allows attempts 0..64 (SMMU_FUNCTIONAL_MAX_RETRIES = 64 in
     * smmu.c): 65 walks, each faulting, stalling, interrupting and being resumed with
     * TNR = 0, then one termination.
     */
    const struct smmu_ctx_stats *st = smmu_ctx_stats(f->s, 0);
    assert_int_equal(st->walks, 65);
    assert_int_equal(st->faults, 65);
    assert_int_equal(st->stalls, 65);
    assert_int_equal(st->retries, 65);
    assert_int_equal(st->terminated, 1);
    assert_int_equal(st->misses, 1);
    assert_int_equal(f->irqs, 65);
    assert_int_equal(t.fsr, FSR_TF);
    fixture_free(f);
}

/* ---- Timing with a fixed-latency memory ---------------------------------------------- */

/* The memories are tests/lib/mem_fake.h's: every request answered 100 ns after it arrives. */

static sim_time_t completed[8];
static void record_done(struct smmu_txn *t)
{
    completed[(uintptr_t)t->owner] = sim_now();
}

static void test_timing_hit_and_miss(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, &port, &port);
    setup_bank(f->s, 0, 1, 7, false);

    struct smmu_txn t[4] = {
        { .mid = 1, .iova = SECT_VA, .bytes = 64, .done = record_done, .owner = (void *)0 },
        { .mid = 1, .iova = PAGE_VA, .bytes = 64, .done = record_done, .owner = (void *)1 },
    };
    smmu_submit(f->s, &t[0]);
    smmu_submit(f->s, &t[1]);
    sim_run(SIM_TIME_MAX);
    /*
     * Section miss at 0: lookup 5 ns, walk overhead 10 ns -> L1 read leaves at 15 ns,
     * back at 115 ns; data leaves at 115 ns, back at 215 ns.
     * Page miss at 0: L1 at 15 -> 115, L2 at 115 -> 215, data 215 -> 315 ns.
     */
    assert_int_equal(completed[0], 215 * SIM_NS);
    assert_int_equal(completed[1], 315 * SIM_NS);
    assert_int_equal(t[0].translated, 115 * SIM_NS);
    assert_int_equal(t[1].translated, 215 * SIM_NS);
    assert_int_equal(mem.requests, 1 + 1 + 2 + 1);

    /* now both hit: lookup 5 ns, data 100 ns -> 105 ns after submission */
    sim_time_t t0 = sim_now();
    t[2] = (struct smmu_txn){ .mid = 1, .iova = SECT_VA + 64, .bytes = 64,
                              .done = record_done, .owner = (void *)2 };
    smmu_submit(f->s, &t[2]);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(completed[2] - t0, 105 * SIM_NS);
    assert_true(t[2].tlb_hit);
    fixture_free(f);
}

static void test_timing_merged_miss_and_walk_limit(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct smmu_config c = default_config();
    c.max_walks = 1;
    struct fixture *f = fixture_new(&c, &port, &port);
    setup_bank(f->s, 0, 1, 7, false);

    struct smmu_txn t[3] = {
        { .mid = 1, .iova = SECT_VA, .bytes = 64, .done = record_done, .owner = (void *)0 },
        { .mid = 1, .iova = SECT_VA + 128, .bytes = 64, .done = record_done, .owner = (void *)1 },
        { .mid = 1, .iova = RO_VA, .bytes = 64, .done = record_done, .owner = (void *)2 },
    };
    for (int i = 0; i < 3; i++)
        smmu_submit(f->s, &t[i]);
    sim_run(SIM_TIME_MAX);
    /* t1 merges with t0's walk (same 4 KiB page): both done at 215 ns.
     * t2 needs its own walk; with one walker slot it starts when t0's walk ends at
     * 115 ns: L1 leaves at 115 + 15 = 130, back at 230, data back at 330 ns. */
    assert_int_equal(completed[0], 215 * SIM_NS);
    assert_int_equal(completed[1], 215 * SIM_NS);
    assert_int_equal(completed[2], 330 * SIM_NS);
    const struct smmu_ctx_stats *st = smmu_ctx_stats(f->s, 0);
    assert_int_equal(st->misses, 3);
    assert_int_equal(st->merged_misses, 1);
    assert_int_equal(st->walks, 2);
    fixture_free(f);
}

static void test_timing_no_hit_under_miss(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct smmu_config c = default_config();
    c.hit_under_miss = false;
    struct fixture *f = fixture_new(&c, &port, &port);
    setup_bank(f->s, 0, 1, 7, false);

    /* warm the section, then a page miss followed by a section access */
    struct smmu_txn w = { .mid = 1, .iova = SECT_VA, .bytes = 64, .done = record_done,
                          .owner = (void *)3 };
    smmu_submit(f->s, &w);
    sim_run(SIM_TIME_MAX);
    sim_time_t t0 = sim_now();
    struct smmu_txn t[2] = {
        { .mid = 1, .iova = PAGE_VA, .bytes = 64, .done = record_done, .owner = (void *)0 },
        { .mid = 1, .iova = SECT_VA, .bytes = 64, .done = record_done, .owner = (void *)1 },
    };
    smmu_submit(f->s, &t[0]);
    smmu_submit(f->s, &t[1]);
    sim_run(SIM_TIME_MAX);
    /* t0: page walk done at 215 ns, data at 315 ns. t1 waits for the fill at 215 ns,
     * then looks up (5 ns) and hits: data leaves at 220, back at 320 ns. */
    assert_int_equal(completed[0] - t0, 315 * SIM_NS);
    assert_int_equal(completed[1] - t0, 320 * SIM_NS);
    fixture_free(f);
}

static void test_timing_stall_then_retry(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, &port, &port);
    setup_bank(f->s, 0, 1, 7, true);
    f->fix_table = true;
    f->resume_with = 0;

    struct smmu_txn t = { .mid = 1, .iova = 0x45600040u, .bytes = 64, .done = record_done,
                          .owner = (void *)0 };
    smmu_submit(f->s, &t);
    sim_run(SIM_TIME_MAX);
    /* walk: L1 read 15 -> 115 ns finds a fault entry; the interrupt runs at 115 ns,
     * the handler maps the section and resumes; the retried walk starts at 115:
     * L1 read leaves at 130, back at 230; data back at 330 ns. */
    assert_int_equal(t.status, SMMU_DONE);
    assert_int_equal(t.pa, 0xC0000040u);
    assert_int_equal(completed[0], 330 * SIM_NS);
    assert_int_equal(f->irqs, 1);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->walks, 2);
    fixture_free(f);
}

static void test_timing_terminate_no_stall(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, &port, &port);
    setup_bank(f->s, 0, 1, 7, false);

    struct smmu_txn t = { .mid = 1, .iova = 0x00700000u, .bytes = 64, .done = record_done,
                          .owner = (void *)0 };
    smmu_submit(f->s, &t);
    sim_run(SIM_TIME_MAX);
    /* fault known when the L1 read returns at 115 ns; no data access */
    assert_int_equal(t.status, SMMU_FAULTED);
    assert_int_equal(t.fsr, FSR_TF);
    assert_int_equal(completed[0], 115 * SIM_NS);
    assert_int_equal(mem.requests, 1);
    fixture_free(f);
}

static void test_timing_permission_faults(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, &port, &port);
    setup_bank(f->s, 0, 1, 7, false);

    /* A write to the read-only section, on a miss: the L1 read 15 -> 115 ns returns the
     * entry, the permission check fails; no data access. */
    struct smmu_txn t = { .mid = 1, .iova = RO_VA, .bytes = 64, .write = true,
                          .done = record_done, .owner = (void *)0 };
    smmu_submit(f->s, &t);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(t.status, SMMU_FAULTED);
    assert_int_equal(t.fsr, FSR_APF);
    assert_int_equal(completed[0], 115 * SIM_NS);
    assert_int_equal(mem.requests, 1);

    /* Again: the walk filled the TLB, so the fault is known after the 5 ns lookup. */
    sim_time_t t0 = sim_now();
    t = (struct smmu_txn){ .mid = 1, .iova = RO_VA + 64, .bytes = 64, .write = true,
                           .done = record_done, .owner = (void *)1 };
    smmu_submit(f->s, &t);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(t.status, SMMU_FAULTED);
    assert_true(t.tlb_hit);
    assert_int_equal(completed[1] - t0, 5 * SIM_NS);
    assert_int_equal(mem.requests, 1);
    const struct smmu_ctx_stats *st = smmu_ctx_stats(f->s, 0);
    assert_int_equal(st->faults_permission, 2);
    assert_int_equal(st->terminated, 2);
    assert_int_equal(f->irqs, 2);
    fixture_free(f);
}

static void test_timing_ports_missing_or_failing(void **state)
{
    (void)state;
    struct fake_mem walk_mem, bad_mem;
    struct mem_port walk = fake_mem_init(&walk_mem, 100 * SIM_NS);
    struct mem_port bad = fake_mem_init(&bad_mem, 100 * SIM_NS);

    bad_mem.fail_all = true;            /* every request ends in a slave error */
    struct smmu_config c = default_config();

    /* No data port: the transaction completes when its PA is known (115 ns). */
    struct fixture *f = fixture_new(&c, NULL, &walk);
    setup_bank(f->s, 0, 1, 7, false);
    assert_non_null(smmu_walker_stats(f->s));
    struct smmu_txn t = { .mid = 1, .iova = SECT_VA | 0x40u, .bytes = 64,
                          .done = record_done, .owner = (void *)0 };
    smmu_submit(f->s, &t);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(t.status, SMMU_DONE);
    assert_int_equal(t.pa, 0x80000040u);
    assert_int_equal(completed[0], 115 * SIM_NS);
    assert_int_equal(smmu_walker_stats(f->s)->walks, 1);
    assert_int_equal(smmu_walker_stats(f->s)->desc_reads, 1);
    fixture_free(f);

    /* The data port answers with an error: translated, but the master sees a fault
     * (no context fault is recorded: the SMMU did its part). Data back at 215 ns. */
    sim_reset();
    f = fixture_new(&c, &bad, &walk);
    setup_bank(f->s, 0, 1, 7, false);
    t = (struct smmu_txn){ .mid = 1, .iova = SECT_VA, .bytes = 64, .done = record_done,
                           .owner = (void *)1 };
    smmu_submit(f->s, &t);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(t.status, SMMU_FAULTED);
    assert_int_equal(t.translated, 115 * SIM_NS);
    assert_int_equal(completed[1], 215 * SIM_NS);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->faults, 0);
    assert_int_equal(bad_mem.requests, 1);
    fixture_free(f);

    /* No walk port: the timed path cannot translate and ends the transaction at once. */
    sim_reset();
    f = fixture_new(&c, &walk, NULL);
    setup_bank(f->s, 0, 1, 7, false);
    assert_null(smmu_walker_stats(f->s));
    t = (struct smmu_txn){ .mid = 1, .iova = SECT_VA, .bytes = 64, .done = record_done,
                           .owner = (void *)2 };
    completed[2] = SIM_TIME_MAX;
    smmu_submit(f->s, &t);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(t.status, SMMU_FAULTED);
    assert_int_equal(completed[2], 0);
    fixture_free(f);
}

static void test_timing_bypass_and_two_stalls_terminated(void **state)
{
    (void)state;
    struct fake_mem mem;
    struct mem_port port = fake_mem_init(&mem, 100 * SIM_NS);
    struct smmu_config c = default_config();
    struct fixture *f = fixture_new(&c, &port, &port);

    /* Bank 1 routed but not translating: the data access leaves at once, done at 100. */
    smmu_mmio_write(f->s, SMMU_M2VCBR_N(3), 1u << M2VCBR_CBNDX_SHIFT);
    struct smmu_txn b = { .mid = 3, .iova = 0x12345678u, .bytes = 64, .done = record_done,
                          .owner = (void *)0 };
    smmu_submit(f->s, &b);
    sim_run(SIM_TIME_MAX);
    assert_true(b.bypassed);
    assert_int_equal(b.pa, 0x12345678u);
    assert_int_equal(completed[0], 100 * SIM_NS);

    /* Two misses on unmapped pages with stalls on and nobody resuming: both walks
     * fault at t0 + 115 ns and both transactions wait on the bank. */
    setup_bank(f->s, 0, 1, 7, true);
    sim_time_t t0 = sim_now();
    struct smmu_txn t[2] = {
        { .mid = 1, .iova = 0x00800000u, .bytes = 64, .done = record_done, .owner = (void *)1 },
        { .mid = 1, .iova = 0x00900000u, .bytes = 64, .done = record_done, .owner = (void *)2 },
    };
    completed[1] = completed[2] = 0;
    smmu_submit(f->s, &t[0]);
    smmu_submit(f->s, &t[1]);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(completed[1], 0);
    assert_int_equal(completed[2], 0);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->stalls, 2);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)) & FSR_SS, FSR_SS);
    /* One RESUME with TNR = 1 terminates both, at the time it is written. */
    sim_time_t tr = sim_now();
    assert_int_equal(tr - t0, 115 * SIM_NS);
    smmu_mmio_write(f->s, SMMU_CTX_REG(0, SMMU_RESUME), RESUME_TNR);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(t[0].status, SMMU_FAULTED);
    assert_int_equal(t[1].status, SMMU_FAULTED);
    assert_int_equal(completed[1], tr);
    assert_int_equal(completed[2], tr);
    assert_int_equal(smmu_ctx_stats(f->s, 0)->terminated, 2);
    assert_int_equal(smmu_mmio_read(f->s, SMMU_CTX_REG(0, SMMU_FSR)) & FSR_SS, 0);
    fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_idr_and_reset, setup),
        cmocka_unit_test_setup(test_unrouted_mid_global_fault, setup),
        cmocka_unit_test_setup(test_bypass, setup),
        cmocka_unit_test_setup(test_translate_section_page_supersection, setup),
        cmocka_unit_test_setup(test_context_faults_terminate, setup),
        cmocka_unit_test_setup(test_access_flag_fault, setup),
        cmocka_unit_test_setup(test_fault_multi_when_not_cleared, setup),
        cmocka_unit_test_setup(test_stall_resume_retry_and_terminate, setup),
        cmocka_unit_test_setup(test_v2p, setup),
        cmocka_unit_test_setup(test_tlb_maintenance_registers, setup),
        cmocka_unit_test_setup(test_tlblckr_gated, setup),
        cmocka_unit_test_setup(test_timing_hit_and_miss, setup),
        cmocka_unit_test_setup(test_timing_merged_miss_and_walk_limit, setup),
        cmocka_unit_test_setup(test_timing_no_hit_under_miss, setup),
        cmocka_unit_test_setup(test_timing_stall_then_retry, setup),
        cmocka_unit_test_setup(test_timing_terminate_no_stall, setup),
        cmocka_unit_test_setup(test_config_errors, setup),
        cmocka_unit_test_setup(test_register_file_odds_and_ends, setup),
        cmocka_unit_test_setup(test_tlbtr0_and_v2psr, setup),
        cmocka_unit_test_setup(test_functional_retry_limit, setup),
        cmocka_unit_test_setup(test_timing_permission_faults, setup),
        cmocka_unit_test_setup(test_timing_ports_missing_or_failing, setup),
        cmocka_unit_test_setup(test_timing_bypass_and_two_stalls_terminated, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
