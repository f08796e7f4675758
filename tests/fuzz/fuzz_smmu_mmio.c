/*
 * fuzz_smmu_mmio.c - libFuzzer harness for the SMMU model's register interface and
 * functional translation path (models/smmu.c, with models/tlb.c and walker.c).
 *
 * The first bytes of the input choose the SMMU's shape (banks, MIDs, TLB geometry
 * and replacement); the rest is a program of operations, each an opcode byte and
 * its operands:
 *   MMIO write and read at a register of smmu_regs.h (any bank, global, or a raw
 *   offset), a functional translation (smmu_access) for a MID / IOVA / access kind,
 *   a descriptor written into a small page-table region (two L1 tables, four L2
 *   tables), a bank brought up as a driver does, a RESUME, and a change of what the
 *   interrupt handler does (nothing, retry, terminate; clearing FSR or not).
 * After each operation the harness checks what the register map and smmu.h promise:
 *   - hits + misses == translations for every bank (each translated access is looked
 *     up once); faults split exactly into translation, permission and access-flag;
 *   - an access ends as its routing says: an unrouted MID is a global fault, a bank
 *     with SCTLR.M clear (or CR.CLIENTPD) bypasses with PA = IOVA, and the counters
 *     move by exactly what the outcome implies;
 *   - a TLB miss that completes or faults gives the same PA or fault bits as the
 *     V2P registers for the same address and access (both walk the tables), and so
 *     does a hit on a 4 KiB or 1 MiB entry while the TLB holds nothing stale (no
 *     table or TTBR/TTBCR/ASID/routing change since the last GLOBAL_TLBIALL, no
 *     lockdown, no other bank filling it);
 *   - FSR holds only the bits smmu_regs.h defines, and FSR.SS is set exactly while
 *     a transaction is stalled on the bank;
 *   - a RESUME on a bank with nothing stalled changes no register and no counter;
 *   - reads of offsets that are not readable registers return 0;
 *   - the functional path schedules no simulation work.
 * Transactions that stall stay owned by the SMMU until a RESUME on their bank, so
 * they live in a pool that is reused only once they are released.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "sim/core/kernel.h"
#include "tests/lib/fuzz.h"

/* Page-table region: two L1 tables (16 KiB aligned), four L2 tables (1 KiB aligned). */
#define L1_TABLE(i)     (0x00100000u + (uint32_t)(i) * 0x00100000u)
#define N_L1            2u
#define L2_TABLE(i)     (0x00300000u + (uint32_t)(i) * PTE_L2_TABLE_SIZE)
#define N_L2            4u

#define MAX_OPS         512     /* operations per input */
#define TXN_POOL        16      /* transactions that may be stalled at once */
#define FSR_DEFINED     (FSR_FAULT_MASK | FSR_SS | FSR_MULTI)

/* ---- Registers -------------------------------------------------------------------- */

static const uint32_t bank_regs[] = {
    SMMU_SCTLR, SMMU_ACTLR, SMMU_CONTEXTIDR, SMMU_TTBR0, SMMU_TTBR1, SMMU_TTBCR, SMMU_PAR,
    SMMU_FSR, SMMU_FSRRESTORE, SMMU_FAR, SMMU_FSYNR0, SMMU_FSYNR1, SMMU_PRRR, SMMU_NMRR,
    SMMU_TLBLCKR, SMMU_V2PSR, SMMU_TLBFLPTER, SMMU_TLBSLPTER, SMMU_BFBCR, SMMU_CTX_TLBIALL,
    SMMU_TLBIASID, SMMU_TLBIVA, SMMU_TLBIVAA, SMMU_V2PPR, SMMU_V2PPW, SMMU_V2PUR, SMMU_V2PUW,
    SMMU_RESUME,
};
#define N_BANK_REGS (sizeof(bank_regs) / sizeof(bank_regs[0]))

/* The bank registers that read back (the rest are write-only or not implemented). */
static const uint32_t bank_readable[] = {
    SMMU_SCTLR, SMMU_ACTLR, SMMU_CONTEXTIDR, SMMU_TTBR0, SMMU_TTBR1, SMMU_TTBCR, SMMU_PAR,
    SMMU_FSR, SMMU_FAR, SMMU_FSYNR0, SMMU_FSYNR1, SMMU_PRRR, SMMU_NMRR, SMMU_TLBLCKR,
    SMMU_V2PSR, SMMU_BFBCR,
};
#define N_BANK_READABLE (sizeof(bank_readable) / sizeof(bank_readable[0]))

static const uint32_t global_regs[] = {
    SMMU_TLBRSW, SMMU_TLBTR0, SMMU_TLBTR1, SMMU_TLBTR2, SMMU_GLOBAL_TLBIALL, SMMU_TLBIVMID,
    SMMU_CR, SMMU_EAR, SMMU_ESR, SMMU_ESRRESTORE, SMMU_ESYNR0, SMMU_ESYNR1, SMMU_REV,
    SMMU_IDR, SMMU_RPU_ACR,
};
#define N_GLOBAL_REGS (sizeof(global_regs) / sizeof(global_regs[0]))

static const uint32_t global_readable[] = {
    SMMU_TLBRSW, SMMU_TLBTR0, SMMU_TLBTR1, SMMU_TLBTR2, SMMU_CR, SMMU_EAR, SMMU_ESR,
    SMMU_ESYNR0, SMMU_ESYNR1, SMMU_REV, SMMU_IDR,
};
#define N_GLOBAL_READABLE (sizeof(global_readable) / sizeof(global_readable[0]))

/* ---- State ------------------------------------------------------------------------ */

enum irq_mode {
    IRQ_NOTHING = 0,        /* leave the fault and the stall alone */
    IRQ_RETRY,              /* RESUME with TNR = 0 on every stalled bank */
    IRQ_TERMINATE,          /* RESUME with TNR = 1 */
    IRQ_CLEAR_RETRY,        /* clear FSR, then retry */
    IRQ_MODES,
};

struct fx {
    struct smmu_config cfg;
    struct physmem *pm;
    struct smmu *s;
    enum irq_mode irq_mode;
    unsigned irqs;
    struct smmu_txn txn[TXN_POOL];
    bool busy[TXN_POOL];            /* stalled: the SMMU holds it */
    unsigned stalled[SMMU_MAX_CTX]; /* transactions stalled per bank */
    bool ss[SMMU_MAX_CTX];          /* what FSR.SS must read: set by a stall or FSRRESTORE */
    /* while smmu_access runs: the bank, and whether a fault there stalls */
    bool in_access, cur_stalls;
    unsigned cur_bank;
    /*
     * The TLB holds nothing stale: everything in it was filled since the last
     * GLOBAL_TLBIALL from the tables and registers as they are now, by the banks in
     * tlb_banks. Locked ways survive TLBIALL, so lockdown ends this for good.
     */
    bool tlb_clean, tlb_locked;
    unsigned tlb_banks;
};

/* ---- Checks ----------------------------------------------------------------------- */

static bool readable(const struct fx *f, uint32_t off)
{
    if (off & 3u || off >= SMMU_WINDOW_SIZE)
        return false;
    if (off >= SMMU_M2VCBR_N(0) && off < SMMU_M2VCBR_N(SMMU_MAX_MIDS))
        return true;
    if (off >= SMMU_CBACR_N(0) && off < SMMU_CBACR_N(SMMU_MAX_CTX))
        return true;
    for (unsigned i = 0; i < N_GLOBAL_READABLE; i++)
        if (off == global_readable[i])
            return true;
    if (off >= SMMU_M2VCBR_N(0) || (off >> SMMU_CTX_SHIFT) >= f->cfg.nbanks)
        return false;
    for (unsigned i = 0; i < N_BANK_READABLE; i++)
        if ((off & ((1u << SMMU_CTX_SHIFT) - 1)) == bank_readable[i])
            return true;
    return false;
}

/*
 * Writes that cannot make a TLB entry disagree with a fresh walk: everything but
 * the table bases, TTBCR, the ASID, MID routing (the VMID tag) and lockdown.
 */
static bool tlb_neutral(const struct fx *f, uint32_t off)
{
    uint32_t reg = off & ((1u << SMMU_CTX_SHIFT) - 1);

    if (off & 3u || off >= SMMU_WINDOW_SIZE)
        return true;
    if (off >= SMMU_M2VCBR_N(0))
        return !(off < SMMU_M2VCBR_N(SMMU_MAX_MIDS));
    if ((off >> SMMU_CTX_SHIFT) >= f->cfg.nbanks)
        return true;
    return reg != SMMU_TTBR0 && reg != SMMU_TTBR1 && reg != SMMU_TTBCR &&
           reg != SMMU_CONTEXTIDR && reg != SMMU_TLBLCKR;
}

static void mmio_write(struct fx *f, uint32_t off, uint32_t v)
{
    bool tlblckr = !(off & 3u) && off < SMMU_M2VCBR_N(0) &&
                   (off >> SMMU_CTX_SHIFT) < f->cfg.nbanks &&
                   (off & ((1u << SMMU_CTX_SHIFT) - 1)) == SMMU_TLBLCKR;

    if (tlblckr && (smmu_mmio_read(f->s, SMMU_CR) & CR_TLBLKCRWE) &&
        ((v >> TLBLCKR_FLOOR_SHIFT) & TLBLCKR_FLOOR_MASK))
        f->tlb_locked = true;
    smmu_mmio_write(f->s, off, v);
    if (!tlb_neutral(f, off))
        f->tlb_clean = false;
    if (off == SMMU_GLOBAL_TLBIALL && !f->tlb_locked) {
        f->tlb_clean = true;
        f->tlb_banks = 0;
    }
}

static void check_bank_state(const struct fx *f)
{
    for (unsigned b = 0; b < f->cfg.nbanks; b++) {
        const struct smmu_ctx_stats *st = smmu_ctx_stats(f->s, b);
        uint32_t fsr = smmu_mmio_read(f->s, SMMU_CTX_REG(b, SMMU_FSR));

        FUZZ_CHECK(st != NULL, "no stats for bank %u", b);
        FUZZ_CHECK(st->hits + st->misses == st->translations,
              "bank %u: hits %llu + misses %llu != translations %llu", b,
              (unsigned long long)st->hits, (unsigned long long)st->misses,
              (unsigned long long)st->translations);
        FUZZ_CHECK(st->faults == st->faults_translation + st->faults_permission +
                                st->faults_access_flag + st->faults_tlb_miss +
                                st->faults_multi_hit, "bank %u: fault kinds do not add up", b);
        FUZZ_CHECK(st->merged_misses <= st->misses && st->retries <= st->stalls &&
                  st->stalls <= st->faults, "bank %u: counters out of order", b);
        FUZZ_CHECK(!(fsr & ~FSR_DEFINED), "bank %u: FSR 0x%08x has undefined bits", b, fsr);
        FUZZ_CHECK(!!(fsr & FSR_SS) == f->ss[b], "bank %u: FSR.SS %u, expected %u (%u stalled)", b,
              !!(fsr & FSR_SS), f->ss[b], f->stalled[b]);
    }
    FUZZ_CHECK(smmu_ctx_stats(f->s, f->cfg.nbanks) == NULL, "stats for a bank that does not exist");
}

/* Everything software can read, and every counter: for "RESUME changes nothing". */
struct snapshot {
    uint32_t global[N_GLOBAL_READABLE + SMMU_MAX_MIDS + SMMU_MAX_CTX];
    uint32_t bank[SMMU_MAX_CTX][N_BANK_READABLE];
    struct smmu_ctx_stats st[SMMU_MAX_CTX];
    struct smmu_stats sst;
};

static void snap(const struct fx *f, struct snapshot *sn)
{
    unsigned k = 0;

    memset(sn, 0, sizeof(*sn));
    /* Reads have no side effects (a V2P is a write), so two snapshots compare state. */
    for (unsigned i = 0; i < N_GLOBAL_READABLE; i++)
        sn->global[k++] = smmu_mmio_read(f->s, global_readable[i]);
    for (unsigned i = 0; i < SMMU_MAX_MIDS; i++)
        sn->global[k++] = smmu_mmio_read(f->s, SMMU_M2VCBR_N(i));
    for (unsigned i = 0; i < SMMU_MAX_CTX; i++)
        sn->global[k++] = smmu_mmio_read(f->s, SMMU_CBACR_N(i));
    for (unsigned b = 0; b < f->cfg.nbanks; b++) {
        for (unsigned i = 0; i < N_BANK_READABLE; i++)
            sn->bank[b][i] = smmu_mmio_read(f->s, SMMU_CTX_REG(b, bank_readable[i]));
        sn->st[b] = *smmu_ctx_stats(f->s, b);
    }
    sn->sst = *smmu_stats(f->s);
}

/* ---- Operations ------------------------------------------------------------------- */

static uint32_t pick_offset(const struct fx *f, struct fuzz_in *in)
{
    uint8_t kind = fuzz_u8(in);

    switch (kind % 5) {
    case 0:
    case 1: {
        unsigned bank = fuzz_u8(in) % (f->cfg.nbanks + 1);   /* one bank past the last */
        return SMMU_CTX_REG(bank, bank_regs[fuzz_u8(in) % N_BANK_REGS]);
    }
    case 2:
        return global_regs[fuzz_u8(in) % N_GLOBAL_REGS];
    case 3:
        return kind & 0x80 ? SMMU_CBACR_N(fuzz_u8(in) % SMMU_MAX_CTX)
                           : SMMU_M2VCBR_N(fuzz_u8(in) % SMMU_MAX_MIDS);
    default:
        return fuzz_u32(in) & (kind & 0x80 ? 0xFFFFFFFFu : 0x000FFFFFu);
    }
}

/* An IOVA the page-table region can cover: L1 indexes 0..15 (+0x7F0 or +0xFF0). */
static uint32_t pick_va(struct fuzz_in *in)
{
    uint8_t hi = fuzz_u8(in), mid = fuzz_u8(in);
    uint32_t l1 = (hi & 0x0Fu) | (hi & 0x10u ? 0x7F0u : 0) | (hi & 0x20u ? 0xFF0u : 0);

    if (hi & 0x80u)
        return fuzz_u32(in);
    return l1 << 20 | (uint32_t)(mid & 0x1Fu) << 12 | (fuzz_u16(in) & 0xFFFu);
}

static void op_pte_l1(struct fx *f, struct fuzz_in *in)
{
    uint8_t how = fuzz_u8(in);
    uint32_t table = L1_TABLE(how % N_L1), va = pick_va(in), r = fuzz_u32(in), desc;
    unsigned idx = PTE_L1_INDEX(va), copies = 1;

    switch ((how >> 1) % 5) {
    case 0:
        desc = PTE_L1_TYPE_FAULT;
        break;
    case 1:
        desc = L2_TABLE((r >> 28) % N_L2) | (r & 0x1E8u) | PTE_L1_TYPE_TABLE;
        break;
    case 2:
        desc = (r & ~(PTE_SECT_SUPER | PTE_L1_TYPE_MASK)) | PTE_L1_TYPE_SECT;
        break;
    case 3:
        desc = (r & ~PTE_L1_TYPE_MASK) | PTE_SECT_SUPER | PTE_L1_TYPE_SECT;
        if (how & 0x80u) {          /* the 16 entries a supersection needs */
            idx &= ~(PTE_CONT_ENTRIES - 1);
            copies = PTE_CONT_ENTRIES;
        }
        break;
    default:
        desc = r;
        break;
    }
    for (unsigned i = 0; i < copies; i++)
        physmem_write32(f->pm, table + 4 * (idx + i), desc);
    f->tlb_clean = false;
}

static void op_pte_l2(struct fx *f, struct fuzz_in *in)
{
    uint8_t how = fuzz_u8(in);
    uint32_t table = L2_TABLE(how % N_L2), r = fuzz_u32(in), desc;
    unsigned idx = fuzz_u8(in), copies = 1;

    if (!(how & 0x40u))
        idx &= 0x1Fu;               /* where pick_va's addresses fall */
    switch ((how >> 2) % 4) {
    case 0:
        desc = PTE_L2_TYPE_FAULT;
        break;
    case 1:
        desc = (r & ~PTE_L2_TYPE_MASK) | PTE_L2_TYPE_SMALL;
        break;
    case 2:
        desc = (r & ~PTE_L2_TYPE_MASK) | PTE_L2_TYPE_LARGE;
        if (how & 0x80u) {
            idx &= ~(PTE_CONT_ENTRIES - 1);
            copies = PTE_CONT_ENTRIES;
        }
        break;
    default:
        desc = r;
        break;
    }
    for (unsigned i = 0; i < copies; i++)
        physmem_write32(f->pm, table + 4 * ((idx + i) % PTE_L2_ENTRIES), desc);
    f->tlb_clean = false;
}

/* Bank bring-up through MMIO, in the order the driver uses (docs/driver.md). */
static void op_setup_bank(struct fx *f, struct fuzz_in *in)
{
    uint8_t a = fuzz_u8(in), b = fuzz_u8(in), c = fuzz_u8(in);
    unsigned bank = a % f->cfg.nbanks, mid = b % f->cfg.nmids, vmid = c & 0x1Fu;
    uint32_t actlr = ACTLR_CFEIE | ACTLR_CFERE | (3u << ACTLR_TLBMCFG_SHIFT);
    uint32_t ttbcr = 0, ttbr0 = L1_TABLE((a >> 3) & 1);

    if (a & 0x10u)
        actlr |= ACTLR_CFCFG;       /* stall on fault */
    if (a & 0x20u) {
        ttbcr = 1u << TTBCR_N_SHIFT;            /* TTBR0 below 2 GiB, TTBR1 above */
        smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_TTBR1), L1_TABLE(((a >> 3) & 1) ^ 1));
    }
    smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE);
    smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_ACTLR), actlr);
    smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_TTBCR), ttbcr);
    smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_TTBR0), ttbr0);
    smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_CONTEXTIDR), c >> 5);
    smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_CTX_TLBIALL), 0);
    smmu_mmio_write(f->s, SMMU_CBACR_N(bank), vmid << CBACR_CBVMID_SHIFT);
    smmu_mmio_write(f->s, SMMU_M2VCBR_N(mid), vmid | (bank << M2VCBR_CBNDX_SHIFT));
    smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_SCTLR),
                    SCTLR_TRE | SCTLR_AFE | (a & 0x40u ? 0 : SCTLR_M));
    f->tlb_clean = false;
}

/*
 * A RESUME releases every transaction stalled on the bank and clears FSR.SS; with
 * nothing stalled it does nothing at all (SS set by FSRRESTORE stays). `current`:
 * the transaction smmu_access is running is on this bank's stall list too.
 */
static void resumed(struct fx *f, unsigned bank, bool current)
{
    if (!f->stalled[bank] && !current)
        return;
    for (unsigned i = 0; i < TXN_POOL; i++)
        if (f->busy[i] && f->txn[i].ctx == bank)
            f->busy[i] = false;
    f->stalled[bank] = 0;
    f->ss[bank] = false;
}

static void resume(struct fx *f, unsigned bank, uint32_t v)
{
    struct snapshot before, after;
    bool idle = f->stalled[bank] == 0;

    if (idle)
        snap(f, &before);
    smmu_mmio_write(f->s, SMMU_CTX_REG(bank, SMMU_RESUME), v);
    resumed(f, bank, false);
    if (idle) {
        snap(f, &after);
        FUZZ_CHECK(!memcmp(&before, &after, sizeof(before)),
              "RESUME on bank %u with nothing stalled changed something", bank);
    }
}

/*
 * The context interrupt: runs inside smmu_access, after the faulting transaction
 * joined its bank's stall list. A RESUME releases everything stalled on the bank,
 * the current transaction included (smmu_access then retries or terminates it).
 */
static void irq_handler(void *arg, struct smmu *s)
{
    struct fx *f = arg;

    (void)s;
    f->irqs++;
    if (f->irq_mode == IRQ_NOTHING)
        return;
    for (unsigned b = 0; b < f->cfg.nbanks; b++) {
        uint32_t fsr = smmu_mmio_read(f->s, SMMU_CTX_REG(b, SMMU_FSR));

        if (f->irq_mode == IRQ_CLEAR_RETRY)
            smmu_mmio_write(f->s, SMMU_CTX_REG(b, SMMU_FSR), 0x4000000Fu);
        if (fsr & FSR_SS) {
            smmu_mmio_write(f->s, SMMU_CTX_REG(b, SMMU_RESUME),
                            f->irq_mode == IRQ_TERMINATE ? RESUME_TNR : 0);
            resumed(f, b, f->in_access && f->cur_stalls && b == f->cur_bank);
        }
    }
}

static struct smmu_txn *free_txn(struct fx *f, unsigned *slot)
{
    for (unsigned i = 0; i < TXN_POOL; i++) {
        if (!f->busy[i]) {
            *slot = i;
            return &f->txn[i];
        }
    }
    return NULL;
}

static void op_access(struct fx *f, struct fuzz_in *in)
{
    unsigned slot;
    struct smmu_txn *t = free_txn(f, &slot);
    uint8_t flags = fuzz_u8(in);
    uint16_t mid = fuzz_u8(in);
    uint32_t va = pick_va(in);
    struct smmu_ctx_stats before[SMMU_MAX_CTX];
    struct smmu_stats sbefore = *smmu_stats(f->s);

    if (!t)
        return;                     /* every transaction is stalled: only RESUME helps */
    if (!(flags & 0x80u))
        mid %= f->cfg.nmids + 1;    /* mostly implemented MIDs, and one past them */
    for (unsigned b = 0; b < f->cfg.nbanks; b++)
        before[b] = *smmu_ctx_stats(f->s, b);

    /* What routing must do, read through the registers first. */
    uint32_t m2v = mid < SMMU_MAX_MIDS ? smmu_mmio_read(f->s, SMMU_M2VCBR_N(mid)) : 0;
    unsigned bank = (m2v >> M2VCBR_CBNDX_SHIFT) & M2VCBR_CBNDX_MASK;
    bool routed = mid < f->cfg.nmids && bank < f->cfg.nbanks;
    bool bypass = routed && ((smmu_mmio_read(f->s, SMMU_CR) & CR_CLIENTPD) ||
                             !(smmu_mmio_read(f->s, SMMU_CTX_REG(bank, SMMU_SCTLR)) & SCTLR_M));

    memset(t, 0, sizeof(*t));
    t->mid = mid;
    t->iova = va;
    t->bytes = 1u + (flags & 0x3Fu);
    t->write = flags & 1u;
    t->privileged = flags & 2u;
    t->instr = (flags & 0x0Cu) == 0x0Cu;
    /* Hits can be checked against a walk while the TLB holds nothing stale and no
     * other bank (which may share this one's VMID and ASID) has filled it. An empty
     * TLB holds nothing stale, whatever changed before. */
    if (!tlb_valid_entries(smmu_tlb(f->s))) {
        f->tlb_clean = true;
        f->tlb_banks = 0;
    }
    bool check_hits = routed && !bypass && f->tlb_clean && !(f->tlb_banks & ~(1u << bank));
    if (routed && !bypass) {
        f->tlb_banks |= 1u << bank;
        f->in_access = true;
        f->cur_bank = bank;
        f->cur_stalls = (smmu_mmio_read(f->s, SMMU_CTX_REG(bank, SMMU_ACTLR)) & ACTLR_CFCFG) &&
                        !(smmu_mmio_read(f->s, SMMU_CR) & CR_STALLD);
    }
    enum smmu_status st = smmu_access(f->s, t);
    f->in_access = false;

    FUZZ_CHECK(st == t->status, "returned %d, status %d", st, t->status);
    FUZZ_CHECK(smmu_stats(f->s)->transactions == sbefore.transactions + 1, "transactions");
    if (!routed) {
        FUZZ_CHECK(st == SMMU_GLOBAL_FAULTED, "MID %u (bank %u) is unrouted but status %d", mid,
              bank, st);
        FUZZ_CHECK(smmu_stats(f->s)->global_faults == sbefore.global_faults + 1, "global_faults");
        FUZZ_CHECK(smmu_mmio_read(f->s, SMMU_ESR) & ESR_CFG, "global fault without ESR.CFG");
        for (unsigned b = 0; b < f->cfg.nbanks; b++)
            FUZZ_CHECK(!memcmp(&before[b], smmu_ctx_stats(f->s, b), sizeof(before[b])),
                  "a global fault changed bank %u's counters", b);
        return;
    }
    const struct smmu_ctx_stats *now = smmu_ctx_stats(f->s, bank), *was = &before[bank];
    FUZZ_CHECK(t->ctx == bank, "served by bank %u, routed to %u", t->ctx, bank);
    if (bypass) {
        FUZZ_CHECK(st == SMMU_DONE && t->bypassed && t->pa == va, "bypass: status %d pa 0x%x", st,
              t->pa);
        FUZZ_CHECK(now->bypassed == was->bypassed + 1 && now->translations == was->translations,
              "bypass counters");
        return;
    }
    FUZZ_CHECK(!t->bypassed, "translated access marked bypassed");
    FUZZ_CHECK(now->translations == was->translations + 1, "translations");
    FUZZ_CHECK(now->hits + now->misses == was->hits + was->misses + 1, "one lookup per access");
    uint64_t faults = now->faults - was->faults, stalls = now->stalls - was->stalls;
    uint64_t retries = now->retries - was->retries;
    uint64_t terminated = now->terminated - was->terminated;
    switch (st) {
    case SMMU_DONE:
        FUZZ_CHECK(t->fsr == 0, "completed with FSR bits 0x%x", t->fsr);
        FUZZ_CHECK(faults == stalls && stalls == retries && terminated == 0,
              "completed: every fault stalled and was retried");
        break;
    case SMMU_FAULTED:
        FUZZ_CHECK(t->fsr && !(t->fsr & ~FSR_FAULT_MASK), "fault bits 0x%x", t->fsr);
        FUZZ_CHECK(terminated == 1 && faults >= 1, "terminated once");
        break;
    case SMMU_STALLED:
        FUZZ_CHECK(t->fsr && !(t->fsr & ~FSR_FAULT_MASK), "fault bits 0x%x", t->fsr);
        FUZZ_CHECK(stalls == retries + 1 && terminated == 0, "left stalled");
        f->busy[slot] = true;
        f->stalled[bank]++;
        f->ss[bank] = true;
        break;
    default:
        FUZZ_CHECK(0, "status %d after routing to bank %u", st, bank);
    }
    /*
     * MHF: the TLB held two entries for the access (copies of a 64 KiB or 16 MiB
     * mapping that software left different give that without any stale entry); the
     * fault leaves them there.
     */
    if (routed && !bypass && (t->fsr & FSR_MHF)) {
        uint8_t vmid = (m2v >> M2VCBR_VMID_SHIFT) & M2VCBR_VMID_MASK;
        uint8_t asid = smmu_mmio_read(f->s, SMMU_CTX_REG(bank, SMMU_CONTEXTIDR)) &
                       CONTEXTIDR_ASID_MASK;
        FUZZ_CHECK(t->tlb_hit && tlb_match_count(smmu_tlb(f->s), vmid, asid, va) >= 2,
              "VA 0x%08x: MHF with fewer than two matching entries", va);
    }
    /*
     * A miss walked the tables: V2P walks them the same way (not after TLBMF: that
     * miss did not walk). So did a hit on a clean TLB, if its entry is a 4 KiB page
     * or a 1 MiB section (one descriptor each; a 64 KiB or 16 MiB entry came from one
     * of 16 copies, which software may have left different), unless it was a
     * multiple hit, which used neither entry.
     */
    bool walked = !t->tlb_hit && !(t->fsr & FSR_TLBMF);
    if (t->tlb_hit && check_hits && now->retries == was->retries && !(t->fsr & FSR_MHF)) {
        uint8_t vmid = (m2v >> M2VCBR_VMID_SHIFT) & M2VCBR_VMID_MASK;
        uint8_t asid = smmu_mmio_read(f->s, SMMU_CTX_REG(bank, SMMU_CONTEXTIDR)) &
                       CONTEXTIDR_ASID_MASK;
        const struct tlb_entry *e = tlb_probe(smmu_tlb(f->s), vmid, asid, va);

        FUZZ_CHECK(e != NULL, "VA 0x%08x hit, but the TLB has no entry for it", va);
        walked = e->size == PAGE_4K || e->size == PAGE_1M;
    }
    if (walked && !t->instr && st != SMMU_STALLED) {
        uint32_t reg = t->privileged ? (t->write ? SMMU_V2PPW : SMMU_V2PPR)
                                     : (t->write ? SMMU_V2PUW : SMMU_V2PUR);
        smmu_mmio_write(f->s, SMMU_CTX_REG(bank, reg), va);
        uint32_t par = smmu_mmio_read(f->s, SMMU_CTX_REG(bank, SMMU_PAR));
        if (st == SMMU_DONE)
            FUZZ_CHECK(!(par & PAR_FAULT) && (par & PAR_PA_MASK) == (t->pa & PAR_PA_MASK),
                  "VA 0x%08x: access PA 0x%08x, V2P PAR 0x%08x", va, t->pa, par);
        else
            FUZZ_CHECK((par & PAR_FAULT) && (par & 0xFEu) == (t->fsr & 0xFEu),
                  "VA 0x%08x: access fault 0x%x, V2P PAR 0x%08x", va, t->fsr, par);
    }
}

static void op_read(struct fx *f, struct fuzz_in *in)
{
    uint32_t off = pick_offset(f, in);
    uint32_t v = smmu_mmio_read(f->s, off);

    if (!readable(f, off))
        FUZZ_CHECK(v == 0, "offset 0x%x is not a readable register but reads 0x%x", off, v);
    if (off < SMMU_M2VCBR_N(0) && (off & 0xFFFu) == SMMU_FSR && readable(f, off))
        FUZZ_CHECK(!(v & ~FSR_DEFINED), "FSR 0x%08x", v);
}

static void op_write(struct fx *f, struct fuzz_in *in)
{
    uint32_t off = pick_offset(f, in), v = fuzz_u32(in);

    bool bank_reg = off < SMMU_M2VCBR_N(0) && (off & 3u) == 0 &&
                    (off >> SMMU_CTX_SHIFT) < f->cfg.nbanks;

    if (bank_reg && (off & 0xFFFu) == SMMU_RESUME) {
        resume(f, off >> SMMU_CTX_SHIFT, v);
        return;
    }
    mmio_write(f, off, v);
    if (bank_reg && (off & 0xFFFu) == SMMU_FSRRESTORE)
        f->ss[off >> SMMU_CTX_SHIFT] = v & FSR_SS;
}

/* ---- The harness ------------------------------------------------------------------ */

static bool make_config(struct fuzz_in *in, struct smmu_config *c)
{
    static const unsigned nmids[] = { 1, 2, 16, 128 };
    static const unsigned entries[] = { 1, 2, 4, 8, 16, 32, 64, 128 };
    uint8_t a = fuzz_u8(in), b = fuzz_u8(in);

    memset(c, 0, sizeof(*c));
    c->name = "fuzz";
    c->nbanks = 1 + a % SMMU_MAX_CTX;
    c->nmids = nmids[(a >> 3) & 3];
    c->irq = 1;
    c->tlb.entries = entries[b & 7];
    c->tlb.ways = c->tlb.entries >> ((b >> 3) & 3);
    if (!c->tlb.ways)
        c->tlb.ways = 1;
    c->tlb.replacement = (enum tlb_replacement)((b >> 5) & 3);
    c->tlb.seed = a;
    c->clock_hz = 200000000u;
    c->tlb_lookup_cycles = 1;
    c->walk_overhead_cycles = 2;
    c->max_walks = 4;
    c->hit_under_miss = true;
    return smmu_config_check(c, NULL, 0) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    static struct fx f;
    sim_time_t next;

    memset(&f, 0, sizeof(f));
    if (!make_config(&in, &f.cfg))
        return 0;
    f.pm = physmem_new();
    f.s = smmu_new(&f.cfg, f.pm, NULL, NULL);
    FUZZ_CHECK(f.pm && f.s, "smmu_new refused a checked configuration");
    smmu_set_irq_handler(f.s, irq_handler, &f);
    f.tlb_clean = true;             /* an empty TLB holds nothing stale */

    for (unsigned n = 0; n < MAX_OPS && in.n; n++) {
        uint8_t op = fuzz_u8(&in);

        switch (op % 10) {
        case 0:
        case 1: op_write(&f, &in); break;
        case 2: op_read(&f, &in); break;
        case 3:
        case 4: op_access(&f, &in); break;
        case 5: op_pte_l1(&f, &in); break;
        case 6: op_pte_l2(&f, &in); break;
        case 7: op_setup_bank(&f, &in); break;
        case 8: resume(&f, fuzz_u8(&in) % f.cfg.nbanks, fuzz_u8(&in) & 1u); break;
        default: f.irq_mode = (enum irq_mode)(fuzz_u8(&in) % IRQ_MODES); break;
        }
        check_bank_state(&f);
    }
    FUZZ_CHECK(!sim_pending(&next), "the functional path scheduled simulation work");
    FUZZ_CHECK(smmu_stats(f.s)->irqs == f.irqs, "interrupts raised %llu, handled %u",
          (unsigned long long)smmu_stats(f.s)->irqs, f.irqs);
    smmu_free(f.s);
    physmem_free(f.pm);
    return 0;
}
