/*
 * smmu_mmio.c - the SMMU model's register file: global and per-bank registers, the
 * TLB read-back and lockdown registers, TLB maintenance writes (handed to the timed
 * maintenance calendar, models/smmu_maint.c), RESUME, and V2P translation into PAR.
 * models/smmu.c owns the translation paths; both share models/smmu_priv.h.
 */
#include "models/smmu.h"
#include "models/smmu_priv.h"

#include <stdbool.h>
#include <stdint.h>

#include "models/pte.h"
#include "models/smmu_attr.h"
#include "models/smmu_regs.h"

/* ---- V2P ------------------------------------------------------------------------- */

static void v2p(struct smmu *s, unsigned bank, uint32_t va, unsigned access)
{
    struct smmu_bank *k = &s->bank[bank];

    if (!(k->sctlr & SCTLR_M) || (s->cr & CR_CLIENTPD)) {
        k->par = va & PAR_PA_MASK;
        k->v2psr = 0;
        return;
    }
    smmu_maint_settle(&s->maint);       /* the operations written before it */
    const struct tlb_entry *e = tlb_probe(s->tlb, smmu_bank_vmid(s, bank), smmu_bank_asid(s, bank), va);
    k->v2psr = e ? V2PSR_HIT : 0;

    struct walk_regs regs;
    struct walk_result r;
    smmu_bank_walk_regs(k, &regs);
    walker_walk(s->pm, &regs, va, access, &r);
    if (r.fault != WALK_OK) {
        /* the FSR bits at their FSR places, SL (bit 16) included */
        k->par = PAR_FAULT | (smmu_fault_fsr_bits(r.fault, r.level) & PAR_FAULT_FSR_MASK);
        return;
    }
    k->par = (r.pa & PAR_PA_MASK) | (r.entry.size == PAGE_16M ? PAR_NOFAULT_SS : 0) |
             smmu_par_attrs(&r.entry.attrs, k->sctlr & SCTLR_TRE, k->prrr, k->nmrr);
}

/* ---- Registers ------------------------------------------------------------------- */

static uint32_t tlbtr_read(struct smmu *s, unsigned which)
{
    struct tlb_entry e;
    unsigned idx = s->tlbrsw & TLBRSW_INDEX_MASK;

    smmu_maint_settle(&s->maint);

    if (!tlb_read_entry(s->tlb, idx, &e))
        return 0;
    switch (which) {
    case 0: {
        struct pte_attrs a = e.attrs;
        bool ro = a.ap & PTE_AP_AP2, user = a.ap & PTE_AP_AP1;
        return TLBTR0_PR | (ro ? 0 : TLBTR0_PW) | (user ? TLBTR0_UR : 0) |
               (user && !ro ? TLBTR0_UW : 0) | (a.xn ? TLBTR0_XN : 0) |
               (a.ns ? TLBTR0_NSDESC : 0) | ((uint32_t)e.size << TLBTR0_DPSIZR_SHIFT);
    }
    case 1:
        return (e.vmid & TLBTR1_VMID_MASK) | (e.pa & 0xFFFFF000u);
    default:
        return (e.asid & TLBTR2_ASID_MASK) | TLBTR2_V | (e.attrs.ng ? TLBTR2_NV : 0) |
               (e.va & 0xFFFFF000u);
    }
}

static uint32_t idr_value(const struct smmu *s)
{
    unsigned log2 = 0;
    while ((2u << log2) <= s->cfg.tlb.entries && log2 < IDR_TLBSIZE_MASK)
        log2++;
    return ((s->cfg.nmids - 1) & IDR_NM2VCBMT_MASK) | IDR_HTW |
           (log2 << IDR_TLBSIZE_SHIFT) |
           (((s->cfg.nbanks - 1) & IDR_NCB_MASK) << IDR_NCB_SHIFT);
}

static uint32_t global_read(struct smmu *s, uint32_t off)
{
    if (off >= SMMU_M2VCBR_N(0) && off < SMMU_M2VCBR_N(SMMU_MAX_MIDS))
        return s->m2vcbr[(off - SMMU_M2VCBR_N(0)) / 4];
    if (off >= SMMU_CBACR_N(0) && off < SMMU_CBACR_N(SMMU_MAX_CTX))
        return s->cbacr[(off - SMMU_CBACR_N(0)) / 4];
    switch (off) {
    case SMMU_TLBRSW:   return s->tlbrsw;
    case SMMU_TLBTR0:   return tlbtr_read(s, 0);
    case SMMU_TLBTR1:   return tlbtr_read(s, 1);
    case SMMU_TLBTR2:   return tlbtr_read(s, 2);
    case SMMU_CR:       return s->cr;
    case SMMU_EAR:      return s->ear;
    case SMMU_ESR:      return s->esr;
    case SMMU_ESYNR0:   return s->esynr0;
    case SMMU_ESYNR1:   return s->esynr1;
    case SMMU_REV:      return 0x10;    /* major 1, minor 0 */
    case SMMU_IDR:      return idr_value(s);
    }
    s->unknown_mmio++;
    return 0;
}

static void global_write(struct smmu *s, uint32_t off, uint32_t v, sim_time_t at)
{
    if (off >= SMMU_M2VCBR_N(0) && off < SMMU_M2VCBR_N(SMMU_MAX_MIDS)) {
        s->m2vcbr[(off - SMMU_M2VCBR_N(0)) / 4] = v;
        return;
    }
    if (off >= SMMU_CBACR_N(0) && off < SMMU_CBACR_N(SMMU_MAX_CTX)) {
        s->cbacr[(off - SMMU_CBACR_N(0)) / 4] = v;
        return;
    }
    switch (off) {
    case SMMU_TLBRSW:           s->tlbrsw = v; return;
    case SMMU_GLOBAL_TLBIALL:
        smmu_maint_post(&s->maint, SMMU_OP_GLOBAL_TLBIALL, 0, 0, 0, at);
        return;
    case SMMU_TLBIVMID:
        smmu_maint_post(&s->maint, SMMU_OP_TLBIVMID, v & TLBIVMID_VMID_MASK, 0, 0, at);
        return;
    case SMMU_CR:               s->cr = v; return;
    case SMMU_EAR:              s->ear = v; return;
    case SMMU_ESR:              s->esr &= ~v; return;           /* write one to clear */
    case SMMU_ESRRESTORE:       s->esr = v; return;
    case SMMU_ESYNR0:           s->esynr0 = v; return;
    case SMMU_ESYNR1:           s->esynr1 = v; return;
    }
    s->unknown_mmio++;
}

static uint32_t bank_read(struct smmu *s, unsigned bank, uint32_t reg)
{
    const struct smmu_bank *k = &s->bank[bank];

    switch (reg) {
    case SMMU_SCTLR:        return k->sctlr;
    case SMMU_ACTLR:        return k->actlr;
    case SMMU_CONTEXTIDR:   return k->contextidr;
    case SMMU_TTBR0:        return k->ttbr0;
    case SMMU_TTBR1:        return k->ttbr1;
    case SMMU_TTBCR:        return k->ttbcr;
    case SMMU_PAR:          return k->par;
    case SMMU_FSR:          return k->fsr;
    case SMMU_FAR:          return k->far;
    case SMMU_FSYNR0:       return k->fsynr0;
    case SMMU_FSYNR1:       return k->fsynr1;
    case SMMU_PRRR:         return k->prrr;
    case SMMU_NMRR:         return k->nmrr;
    case SMMU_TLBLCKR:      return k->tlblckr;
    case SMMU_V2PSR:        return k->v2psr;
    case SMMU_BFBCR:        return k->bfbcr;
    }
    s->unknown_mmio++;
    return 0;
}

static void write_tlblckr(struct smmu *s, unsigned bank, uint32_t v)
{
    if (!(s->cr & CR_TLBLKCRWE))
        return;         /* writes are gated by CR.TLBLKCRWE */
    smmu_maint_settle(&s->maint);       /* the floor applies after earlier operations */
    unsigned floor = (v >> TLBLCKR_FLOOR_SHIFT) & TLBLCKR_FLOOR_MASK;
    unsigned victim = (v >> TLBLCKR_VICTIM_SHIFT) & TLBLCKR_VICTIM_MASK;
    if (tlb_set_lockdown(s->tlb, v & TLBLCKR_LKE, floor, victim) == 0)
        s->bank[bank].tlblckr = v;
}

static void bank_write(struct smmu *s, unsigned bank, uint32_t reg, uint32_t v, sim_time_t at)
{
    struct smmu_bank *k = &s->bank[bank];
    uint8_t vmid = smmu_bank_vmid(s, bank);

    switch (reg) {
    case SMMU_SCTLR:        k->sctlr = v; return;
    case SMMU_ACTLR:        k->actlr = v; return;
    case SMMU_CONTEXTIDR:   k->contextidr = v; return;
    case SMMU_TTBR0:        k->ttbr0 = v; return;
    case SMMU_TTBR1:        k->ttbr1 = v; return;
    case SMMU_TTBCR:        k->ttbcr = v; return;
    case SMMU_PAR:          k->par = v; return;
    /* FSR is write-one-to-clear; SS is cleared only by RESUME */
    case SMMU_FSR:          k->fsr &= ~(v & (FSR_FAULT_MASK | FSR_MULTI)); return;
    case SMMU_FSRRESTORE:   k->fsr = v & FSR_DEFINED_MASK; return;
    case SMMU_FAR:          k->far = v; return;
    case SMMU_FSYNR0:       k->fsynr0 = v; return;
    case SMMU_FSYNR1:       k->fsynr1 = v; return;
    case SMMU_PRRR:         k->prrr = v; return;
    case SMMU_NMRR:         k->nmrr = v; return;
    case SMMU_TLBLCKR:      write_tlblckr(s, bank, v); return;
    case SMMU_BFBCR:        k->bfbcr = v & BFBCR_DEFINED_MASK; return;
    case SMMU_CTX_TLBIALL:
        smmu_maint_post(&s->maint, SMMU_OP_CTX_TLBIALL, vmid, 0, 0, at);
        return;
    case SMMU_TLBIASID:
        smmu_maint_post(&s->maint, SMMU_OP_TLBIASID, vmid, v & TLBIASID_ASID_MASK, 0, at);
        return;
    case SMMU_TLBIVA:
        smmu_maint_post(&s->maint, SMMU_OP_TLBIVA, vmid, v & TLBIVA_ASID_MASK,
                        v & TLBIVA_VA_MASK, at);
        return;
    case SMMU_TLBIVAA:
        smmu_maint_post(&s->maint, SMMU_OP_TLBIVAA, vmid, 0, v & TLBIVA_VA_MASK, at);
        return;
    case SMMU_V2PPR:        v2p(s, bank, v, ACCESS_PRIV); return;
    case SMMU_V2PPW:        v2p(s, bank, v, ACCESS_PRIV | ACCESS_WRITE); return;
    case SMMU_V2PUR:        v2p(s, bank, v, 0); return;
    case SMMU_V2PUW:        v2p(s, bank, v, ACCESS_WRITE); return;
    case SMMU_RESUME:       smmu_write_resume(s, bank, v); return;
    }
    s->unknown_mmio++;
}

uint32_t smmu_mmio_read(struct smmu *s, uint32_t offset)
{
    if (offset & 3u || offset >= SMMU_WINDOW_SIZE) {
        s->unknown_mmio++;
        return 0;
    }
    if (offset >= SMMU_M2VCBR_N(0))
        return global_read(s, offset);
    unsigned bank = offset >> SMMU_CTX_SHIFT;
    if (bank >= s->cfg.nbanks) {
        s->unknown_mmio++;
        return 0;
    }
    return bank_read(s, bank, offset & ((1u << SMMU_CTX_SHIFT) - 1));
}

void smmu_mmio_write(struct smmu *s, uint32_t offset, uint32_t value)
{
    smmu_mmio_write_at(s, offset, value, sim_now());
}

void smmu_mmio_write_at(struct smmu *s, uint32_t offset, uint32_t value, sim_time_t at)
{
    if (offset & 3u || offset >= SMMU_WINDOW_SIZE) {
        s->unknown_mmio++;
        return;
    }
    if (offset >= SMMU_M2VCBR_N(0)) {
        global_write(s, offset, value, at);
        return;
    }
    unsigned bank = offset >> SMMU_CTX_SHIFT;
    if (bank >= s->cfg.nbanks) {
        s->unknown_mmio++;
        return;
    }
    bank_write(s, bank, offset & ((1u << SMMU_CTX_SHIFT) - 1), value, at);
}
