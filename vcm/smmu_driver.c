/*
 * smmu_driver.c - the Qualcomm SMMU v1 driver: page-table writer, register
 * programming, TLB maintenance, the fault ISR and the device tree of contexts.
 *
 * It sees the hardware the way kernel code would: registers through
 * smmu_mmio_read/smmu_mmio_write (models/smmu_regs.h) and page tables in physical
 * memory (models/physmem.h, format of models/pte.h). The VCM layer (vcm/vcm.c) is
 * its only user besides the tests. docs/driver.md explains the choices.
 */
#include "vcm/smmu_driver.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

/* ---- Constants -------------------------------------------------------------------- */

#define TLBMCFG_HW_WALK         3u      /* ACTLR.TLBMCFG: walk the tables on a miss */
#define V2PCFG_ALL              3u      /* ACTLR.V2PCFG: V2P registers enabled */
#define NSCFG_NONSECURE         3u      /* M2VCBR.NSCFG: force non-secure, as mainline */
#define CBACR_IRPTNDX_CTX       0u      /* every bank reports on the SMMU's one line */
#define FSR_CLEAR_ALL           (FSR_FAULT_MASK | FSR_MULTI)
#define L1_TABLES               2u      /* TTBR0 and TTBR1 */
#define ASID_FIRST              1u      /* ASID 0 is left unused: CONTEXTIDR's reset value */

/* ---- Private structures ------------------------------------------------------------ */

/* One L1 table and, per L1 entry, how many L2 descriptors its L2 table holds. */
struct smmu_l1 {
    uint32_t pa;                        /* 0: no table */
    uint16_t *l2_used;
};

struct smmu_inv {
    uint32_t va;
    bool global;
};

struct smmu_dev {
    unsigned bank;
    struct smmu_pt_allocator pt;
    struct smmu_l1 l1[L1_TABLES];
    unsigned split;                     /* TTBCR.N */
    struct smmu_driver *drv;
    struct smmu_dev *next_bound;
    unsigned asid;
    unsigned mids[SMMU_DEV_MAX_MIDS];
    unsigned nmids;
    char name[SMMU_NAME_LEN];
    bool active;
    smmu_fault_handler_fn hook;
    void *hook_data;
    unsigned update_depth;
    unsigned global_maps;               /* live mappings with nG clear */
    unsigned inv_count;                 /* pending TLBIVAs */
    bool inv_overflow, inv_global;
    struct smmu_inv inv[SMMU_TLBI_BATCH];
    struct smmu_dev_stats stats;
};

struct smmu_tree {
    unsigned n;
    struct smmu_desc *descs;            /* copies, names owned by the tree */
    struct smmu_driver *drv;
    struct smmu_pt_allocator pt;
};

/* ---- Register access ------------------------------------------------------------------ */

static uint32_t cb_read(struct smmu_driver *drv, unsigned bank, uint32_t reg)
{
    return smmu_mmio_read(drv->hw, SMMU_CTX_REG(bank, reg));
}

static void cb_write(struct smmu_driver *drv, unsigned bank, uint32_t reg, uint32_t v)
{
    smmu_mmio_write(drv->hw, SMMU_CTX_REG(bank, reg), v);
}

static uint32_t glb_read(struct smmu_driver *drv, uint32_t reg)
{
    return smmu_mmio_read(drv->hw, reg);
}

static void glb_write(struct smmu_driver *drv, uint32_t reg, uint32_t v)
{
    smmu_mmio_write(drv->hw, reg, v);
}

/* Each bank's TLB entries carry their own VMID, so banks never hit each other's. */
static unsigned bank_vmid(unsigned bank)
{
    return bank & M2VCBR_VMID_MASK;
}

static void copy_name(char *dst, const char *src)
{
    snprintf(dst, SMMU_NAME_LEN, "%s", src ? src : "");
}

/* ---- Fault log ------------------------------------------------------------------------ */

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    va_list ap;

    if (*pos >= len)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = *pos + (size_t)n < len ? *pos + (size_t)n : len;
}

static const char *action_name(enum smmu_fault_action a)
{
    switch (a) {
    case SMMU_FAULT_RETRIED:    return "retried";
    case SMMU_FAULT_TERMINATED: return "terminated";
    case SMMU_FAULT_LEFT_STALLED: return "left stalled";
    default:                    return "not stalled";
    }
}

/* The reason list of a DMAR-style line, from the FSR bits. */
static void fault_reasons(char *buf, size_t len, size_t *pos, uint32_t fsr, unsigned level)
{
    static const struct { uint32_t bit; const char *text; bool leveled; } reasons[] = {
        { FSR_TF,      "translation fault",      true },
        { FSR_AFF,     "access flag fault",      true },
        { FSR_APF,     "permission fault",       true },
        { FSR_TLBMF,   "TLB multi-hit fault",    false },
        { FSR_HTWDEEF, "table walk decode error", false },
        { FSR_HTWSEEF, "table walk slave error", false },
        { FSR_MHF,     "MHF fault",              false },
        { FSR_MULTI,   "multiple faults",        false },
    };
    bool first = true;

    for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (!(fsr & reasons[i].bit))
            continue;
        append(buf, len, pos, "%s%s", first ? "" : ", ", reasons[i].text);
        if (reasons[i].leveled)
            append(buf, len, pos, " level %u", level);
        first = false;
    }
    if (first)
        append(buf, len, pos, "unknown (FSR 0x%08x)", (unsigned)fsr);
}

static void format_record(struct smmu_fault_record *r)
{
    const struct smmu_fault *f = &r->fault;
    size_t pos = 0, len = sizeof(r->msg);

    r->msg[0] = '\0';
    append(r->msg, len, &pos, "SMMU %s ", r->smmu_name);
    if (!f->global)
        append(r->msg, len, &pos, "ctx %s ", r->ctx_name);
    append(r->msg, len, &pos, "[DMA %s] Request device mid %u fault addr 0x%08x reason: ",
           f->write ? "Write" : "Read", f->mid, (unsigned)f->far);
    if (f->global)
        append(r->msg, len, &pos, "unrouted MID (global configuration fault)");
    else
        fault_reasons(r->msg, len, &pos, f->fsr, f->level);
    append(r->msg, len, &pos, "; %s", action_name(r->action));
}

/* Stores a finished record (the log keeps the first SMMU_FAULT_LOG_SIZE). */
static void log_record(struct smmu_driver *drv, const struct smmu_fault_record *r)
{
    if (drv->log_count >= SMMU_FAULT_LOG_SIZE) {
        drv->log_dropped++;
        return;
    }
    struct smmu_fault_record *slot = &drv->log[drv->log_count++];
    *slot = *r;
    slot->fault.smmu = slot->smmu_name;
    slot->fault.ctx = slot->ctx_name;
}

/* ---- The ISR ---------------------------------------------------------------------------- */

/* Whether a retry is allowed: stops a hook that retries one address forever, fixing nothing. */
static bool retry_allowed(struct smmu_driver *drv, unsigned bank, uint32_t far)
{
    if (drv->retry_far[bank] != far || drv->retry_count[bank] == 0) {
        drv->retry_far[bank] = far;
        drv->retry_count[bank] = 0;
    }
    if (drv->retry_count[bank] >= SMMU_FAULT_RETRY_LIMIT) {
        drv->retry_count[bank] = 0;
        drv->stats.retry_limit_hits++;
        return false;
    }
    drv->retry_count[bank]++;
    return true;
}

/*
 * Whether the faulting access would now translate (a V2P of FAR with the fault's
 * kind of access): the hook mapped the page, so its retry is progress rather than a
 * loop. V2P cannot ask for an instruction fetch (XN), so those never count as fixed.
 */
static bool fault_fixed(struct smmu_driver *drv, unsigned bank, const struct smmu_fault *f)
{
    uint32_t reg = f->priv ? (f->write ? SMMU_V2PPW : SMMU_V2PPR)
                           : (f->write ? SMMU_V2PUW : SMMU_V2PUR);

    if (f->instr)
        return false;
    cb_write(drv, bank, reg, f->far);
    return !(cb_read(drv, bank, SMMU_PAR) & PAR_FAULT);
}

static void context_fault(struct smmu_driver *drv, unsigned bank, uint32_t fsr)
{
    struct smmu_dev *dev = drv->active[bank];
    struct smmu_fault_record r;
    struct smmu_fault *f = &r.fault;

    memset(&r, 0, sizeof(r));
    copy_name(r.smmu_name, drv->name);
    if (dev)
        copy_name(r.ctx_name, dev->name);
    else
        snprintf(r.ctx_name, sizeof(r.ctx_name), "bank%u", bank);
    f->smmu = r.smmu_name;
    f->ctx = r.ctx_name;
    f->bank = bank;
    f->fsr = fsr;
    f->far = cb_read(drv, bank, SMMU_FAR);
    f->fsynr0 = cb_read(drv, bank, SMMU_FSYNR0);
    f->fsynr1 = cb_read(drv, bank, SMMU_FSYNR1);
    f->mid = (f->fsynr0 >> FSYNR0_AMID_SHIFT) & FSYNR0_AMID_MASK;
    f->write = f->fsynr1 & FSYNR1_AWRITE;
    f->priv = f->fsynr1 & FSYNR1_APRIV;
    f->instr = f->fsynr1 & FSYNR1_AINST;
    f->stalled = fsr & FSR_SS;
    f->level = (fsr & FSR_SL) ? 2 : 1;
    f->seq = ++drv->fault_seq;
    drv->stats.faults++;

    int ret = 0;
    if (dev && dev->hook) {
        r.hooked = true;
        ret = dev->hook(dev, dev->hook_data, f);
    } else {
        drv->stats.unhooked++;
    }

    bool leave = f->stalled && ret == SMMU_FAULT_HOOK_LEAVE;
    /* A retry the hook made good starts the count afresh: only retries that change
     * nothing count toward SMMU_FAULT_RETRY_LIMIT. */
    if (f->stalled && ret == 1 && fault_fixed(drv, bank, f))
        drv->retry_count[bank] = 0;
    bool retry = f->stalled && ret == 1 && retry_allowed(drv, bank, f->far);
    if (!f->stalled) {
        r.action = SMMU_FAULT_NOT_STALLED;
        drv->stats.not_stalled++;
    } else if (leave) {
        r.action = SMMU_FAULT_LEFT_STALLED;
        drv->stats.left_stalled++;
        format_record(&r);
        log_record(drv, &r);
        return;
    } else if (retry) {
        r.action = SMMU_FAULT_RETRIED;
        drv->stats.retried++;
    } else {
        r.action = SMMU_FAULT_TERMINATED;
        drv->stats.terminated++;
        drv->retry_count[bank] = 0;
    }
    format_record(&r);
    log_record(drv, &r);

    /* Clear before resuming: a retry that faults again must find FSR clear. */
    cb_write(drv, bank, SMMU_FSR, fsr);
    if (f->stalled)
        cb_write(drv, bank, SMMU_RESUME, retry ? 0 : RESUME_TNR);
}

int smmu_poll_global_fault(struct smmu_driver *drv)
{
    if (!drv || !drv->initialized)
        return -EINVAL;
    uint32_t esr = glb_read(drv, SMMU_ESR);
    if (!(esr & (ESR_CFG | ESR_BYPASS | ESR_MULTI)))
        return 0;

    struct smmu_fault_record r;
    struct smmu_fault *f = &r.fault;
    uint32_t esynr1 = glb_read(drv, SMMU_ESYNR1);

    memset(&r, 0, sizeof(r));
    copy_name(r.smmu_name, drv->name);
    f->smmu = r.smmu_name;
    f->ctx = r.ctx_name;
    f->global = true;
    f->fsr = esr;
    f->far = glb_read(drv, SMMU_EAR);
    f->fsynr0 = glb_read(drv, SMMU_ESYNR0);
    f->fsynr1 = esynr1;
    f->mid = (f->fsynr0 >> ESYNR0_AMID_SHIFT) & ESYNR0_AMID_MASK;
    f->write = esynr1 & ESYNR1_AWRITE;
    f->priv = esynr1 & ESYNR1_APRIV;
    f->instr = esynr1 & ESYNR1_AINST;
    f->seq = ++drv->fault_seq;
    r.action = SMMU_FAULT_TERMINATED;   /* the SMMU answers an unrouted MID with an error */
    drv->stats.global_faults++;
    format_record(&r);
    log_record(drv, &r);
    glb_write(drv, SMMU_ESR, esr);
    return 1;
}

static void smmu_isr(void *arg, struct smmu *hw)
{
    struct smmu_driver *drv = arg;

    (void)hw;
    drv->stats.irqs++;
    for (unsigned bank = 0; bank < drv->ncb; bank++) {
        uint32_t fsr = cb_read(drv, bank, SMMU_FSR);
        if (fsr & (FSR_FAULT_MASK | FSR_MULTI | FSR_SS))
            context_fault(drv, bank, fsr);
    }
    smmu_poll_global_fault(drv);
}

/* ---- SMMU instance -------------------------------------------------------------------- */

/* Bank registers to their reset state; a stalled transaction is terminated. */
static void reset_bank(struct smmu_driver *drv, unsigned bank)
{
    static const uint32_t regs[] = {
        SMMU_SCTLR, SMMU_ACTLR, SMMU_CONTEXTIDR, SMMU_TTBR0, SMMU_TTBR1, SMMU_TTBCR,
        SMMU_PRRR, SMMU_NMRR,
    };

    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        cb_write(drv, bank, regs[i], 0);
    if (cb_read(drv, bank, SMMU_FSR) & FSR_SS)
        cb_write(drv, bank, SMMU_RESUME, RESUME_TNR);
    cb_write(drv, bank, SMMU_FSR, FSR_CLEAR_ALL);
    /* The bank's VMID is set now so that CTX_TLBIALL at activation hits its entries. */
    glb_write(drv, SMMU_CBACR_N(bank), (bank_vmid(bank) & CBACR_CBVMID_MASK) << CBACR_CBVMID_SHIFT);
}

int smmu_drvdata_init(struct smmu_driver *drv, struct smmu *hw, uint32_t base, unsigned irq)
{
    if (!drv || !hw)
        return -EINVAL;
    uint32_t idr = smmu_mmio_read(hw, SMMU_IDR);
    unsigned ncb = ((idr >> IDR_NCB_SHIFT) & IDR_NCB_MASK) + 1;
    unsigned nmids = ((idr >> IDR_NM2VCBMT_SHIFT) & IDR_NM2VCBMT_MASK) + 1;
    if (ncb > SMMU_MAX_CTX || nmids > SMMU_MAX_MIDS)
        return -EINVAL;

    memset(drv, 0, sizeof(*drv));
    drv->hw = hw;
    copy_name(drv->name, smmu_config(hw)->name);
    drv->base = base;
    drv->irq = irq;
    drv->ncb = ncb;
    drv->nmids = nmids;
    drv->tlbsize = (idr >> IDR_TLBSIZE_SHIFT) & IDR_TLBSIZE_MASK;
    drv->nirpt = (idr >> IDR_NIRPT_SHIFT) & IDR_NIRPT_MASK;
    drv->htw = idr & IDR_HTW;

    glb_write(drv, SMMU_CR, 0);
    for (unsigned bank = 0; bank < ncb; bank++)
        reset_bank(drv, bank);
    for (unsigned mid = 0; mid < nmids; mid++)
        glb_write(drv, SMMU_M2VCBR_N(mid), M2VCBR_UNROUTED);
    glb_write(drv, SMMU_ESR, glb_read(drv, SMMU_ESR));
    glb_write(drv, SMMU_GLOBAL_TLBIALL, 0);
    smmu_set_irq_handler(hw, smmu_isr, drv);
    drv->initialized = true;
    return 0;
}

int smmu_drvdata_deinit(struct smmu_driver *drv)
{
    if (!drv || !drv->initialized)
        return -EINVAL;
    if (drv->bound)
        return -EBUSY;
    smmu_set_irq_handler(drv->hw, NULL, NULL);
    drv->initialized = false;
    return 0;
}

const char *smmu_driver_name(const struct smmu_driver *drv) { return drv ? drv->name : NULL; }
unsigned smmu_driver_num_banks(const struct smmu_driver *drv) { return drv ? drv->ncb : 0; }

const struct smmu_driver_stats *smmu_driver_stats(const struct smmu_driver *drv)
{
    return drv ? &drv->stats : NULL;
}

unsigned smmu_fault_log_count(const struct smmu_driver *drv) { return drv ? drv->log_count : 0; }
uint64_t smmu_fault_log_dropped(const struct smmu_driver *drv) { return drv ? drv->log_dropped : 0; }

const struct smmu_fault_record *smmu_fault_log_entry(const struct smmu_driver *drv, unsigned i)
{
    return drv && i < drv->log_count ? &drv->log[i] : NULL;
}

void smmu_fault_log_clear(struct smmu_driver *drv)
{
    if (!drv)
        return;
    drv->log_count = 0;
    drv->log_dropped = 0;
}

/* ---- Page-table memory ---------------------------------------------------------------- */

static uint32_t pt_alloc(struct smmu_dev *dev, uint32_t size)
{
    uint32_t pa = dev->pt.alloc(dev->pt.arg, size, size);

    if (!pa)
        return 0;
    if (pa & (size - 1)) {      /* an allocator that ignores alignment is a bug: refuse */
        if (dev->pt.free)
            dev->pt.free(dev->pt.arg, pa, size);
        return 0;
    }
    physmem_fill(dev->pt.pm, pa, 0, size);
    return pa;
}

static void pt_free(struct smmu_dev *dev, uint32_t pa, uint32_t size)
{
    if (dev->pt.free)
        dev->pt.free(dev->pt.arg, pa, size);
}

static int l1_table_new(struct smmu_dev *dev, struct smmu_l1 *t)
{
    uint16_t *used = calloc(PTE_L1_ENTRIES, sizeof(*used));

    if (!used)
        return -ENOMEM;
    uint32_t pa = pt_alloc(dev, PTE_L1_TABLE_SIZE);
    if (!pa) {
        free(used);
        return -ENOMEM;
    }
    t->pa = pa;
    t->l2_used = used;
    return 0;
}

/* Frees an L1 table with the L2 tables it points to. */
static void l1_table_free(struct smmu_dev *dev, struct smmu_l1 *t)
{
    if (!t->pa)
        return;
    for (unsigned i = 0; i < PTE_L1_ENTRIES; i++) {
        uint32_t d = physmem_read32(dev->pt.pm, t->pa + 4 * i);
        if ((d & PTE_L1_TYPE_MASK) == PTE_L1_TYPE_TABLE) {
            pt_free(dev, d & PTE_L1_TABLE_BASE_MASK, PTE_L2_TABLE_SIZE);
            dev->stats.l2_frees++;
            dev->stats.l2_tables--;
        }
    }
    pt_free(dev, t->pa, PTE_L1_TABLE_SIZE);
    free(t->l2_used);
    t->pa = 0;
    t->l2_used = NULL;
}

/* ---- Descriptors ------------------------------------------------------------------------ */

static bool size_ok(uint32_t len, enum page_size *ps)
{
    switch (len) {
    case SZ_4K:  *ps = PAGE_4K;  return true;
    case SZ_64K: *ps = PAGE_64K; return true;
    case SZ_1M:  *ps = PAGE_1M;  return true;
    case SZ_16M: *ps = PAGE_16M; return true;
    }
    return false;
}

static bool attr_ok(uint32_t attr)
{
    return !(attr & ~SMMU_ATTR_ALL) && (attr & (SMMU_ATTR_READ | SMMU_ATTR_WRITE));
}

/* TEX remap index TEX[0]:C:B from the cache policy field. */
static unsigned cache_index(uint32_t attr)
{
    return (attr & SMMU_ATTR_CACHE_MASK) >> SMMU_ATTR_CACHE_SHIFT;
}

/* AP1: user access unless the mapping is for privileged accesses only. */
static bool user_ok(uint32_t attr)
{
    return (attr & SMMU_ATTR_USER) || !(attr & SMMU_ATTR_PRIV);
}

static uint32_t sect_desc(uint32_t pa, uint32_t attr, bool super)
{
    unsigned idx = cache_index(attr);
    uint32_t d = PTE_L1_TYPE_SECT | PTE_SECT_AP0;

    d |= super ? (pa & PTE_SSECT_BASE_MASK) | PTE_SECT_SUPER : pa & PTE_SECT_BASE_MASK;
    if (user_ok(attr))
        d |= PTE_SECT_AP1;
    if (!(attr & SMMU_ATTR_WRITE))
        d |= PTE_SECT_AP2;
    if (!(attr & SMMU_ATTR_EXEC))
        d |= PTE_SECT_XN;
    if (!(attr & SMMU_ATTR_GLOBAL))
        d |= PTE_SECT_NG;
    if (!(attr & SMMU_ATTR_SECURE))
        d |= PTE_SECT_NS;
    if (attr & SMMU_ATTR_SHARED)
        d |= PTE_SECT_S;
    if (idx & 1)
        d |= PTE_SECT_B;
    if (idx & 2)
        d |= PTE_SECT_C;
    if (idx & 4)
        d |= 1u << PTE_SECT_TEX_SHIFT;
    return d;
}

/* Small and large pages; NS is not here but in the L1 table descriptor. */
static uint32_t page_desc(uint32_t pa, uint32_t attr, bool large)
{
    unsigned idx = cache_index(attr);
    uint32_t d = PTE_L2_AP0;

    if (large)
        d |= PTE_L2_TYPE_LARGE | (pa & PTE_LARGE_BASE_MASK);
    else
        d |= PTE_L2_TYPE_SMALL | (pa & PTE_SMALL_BASE_MASK);
    if (user_ok(attr))
        d |= PTE_L2_AP1;
    if (!(attr & SMMU_ATTR_WRITE))
        d |= PTE_L2_AP2;
    if (!(attr & SMMU_ATTR_EXEC))
        d |= large ? PTE_LARGE_XN : PTE_SMALL_XN;
    if (!(attr & SMMU_ATTR_GLOBAL))
        d |= PTE_L2_NG;
    if (attr & SMMU_ATTR_SHARED)
        d |= PTE_L2_S;
    if (idx & 1)
        d |= PTE_L2_B;
    if (idx & 2)
        d |= PTE_L2_C;
    if (idx & 4)
        d |= 1u << (large ? PTE_LARGE_TEX_SHIFT : PTE_SMALL_TEX_SHIFT);
    return d;
}

static uint32_t table_desc(uint32_t l2_pa, bool ns)
{
    return (l2_pa & PTE_L1_TABLE_BASE_MASK) | PTE_L1_TYPE_TABLE | (ns ? PTE_L1_TABLE_NS : 0);
}

/* The table the hardware walks for va (TTBR1 when VA[31:32-N] is not zero). */
static struct smmu_l1 *table_for(struct smmu_dev *dev, uint32_t va)
{
    unsigned n = dev->split;

    return &dev->l1[(n && (va >> (32u - n))) ? 1 : 0];
}

static uint32_t l1_addr(const struct smmu_l1 *t, uint32_t va)
{
    return t->pa + 4u * PTE_L1_INDEX(va);
}

static uint32_t l2_addr(uint32_t l1_desc, uint32_t va)
{
    return (l1_desc & PTE_L1_TABLE_BASE_MASK) + 4u * PTE_L2_INDEX(va);
}

static bool l1_is_table(uint32_t d) { return (d & PTE_L1_TYPE_MASK) == PTE_L1_TYPE_TABLE; }
static bool l1_is_sect(uint32_t d) { return (d & PTE_L1_TYPE_MASK) == PTE_L1_TYPE_SECT; }

/* nG of a leaf descriptor, whatever its level. */
static bool desc_global(uint32_t d, bool l2)
{
    return !(d & (l2 ? PTE_L2_NG : PTE_SECT_NG));
}

/* ---- TLB maintenance -------------------------------------------------------------------- */

static void inv_record(struct smmu_dev *dev, uint32_t va, bool global)
{
    if (dev->inv_count < SMMU_TLBI_BATCH) {
        dev->inv[dev->inv_count].va = va;
        dev->inv[dev->inv_count].global = global;
        dev->inv_count++;
    } else {
        dev->inv_overflow = true;
    }
    if (global)
        dev->inv_global = true;
}

static void inv_context(struct smmu_dev *dev, bool with_global)
{
    struct smmu_driver *drv = dev->drv;

    if (with_global) {
        cb_write(drv, dev->bank, SMMU_CTX_TLBIALL, 0);
        dev->stats.tlbi_ctx++;
    } else {
        cb_write(drv, dev->bank, SMMU_TLBIASID, dev->asid & TLBIASID_ASID_MASK);
        dev->stats.tlbi_asid++;
    }
}

/* Issues what the unmaps since the last flush need (only an active context has entries). */
static void inv_flush(struct smmu_dev *dev)
{
    if (dev->active) {
        if (dev->inv_overflow) {
            inv_context(dev, dev->inv_global);
        } else {
            for (unsigned i = 0; i < dev->inv_count; i++) {
                uint32_t v = (dev->inv[i].va & TLBIVA_VA_MASK) | (dev->asid & TLBIVA_ASID_MASK);
                cb_write(dev->drv, dev->bank, SMMU_TLBIVA, v);
                dev->stats.tlbi_va++;
            }
        }
    }
    dev->inv_count = 0;
    dev->inv_overflow = dev->inv_global = false;
}

int smmu_update_start(struct smmu_dev *dev)
{
    if (!dev)
        return -EINVAL;
    dev->update_depth++;
    return 0;
}

int smmu_update_done(struct smmu_dev *dev)
{
    if (!dev || dev->update_depth == 0)
        return -EINVAL;
    if (--dev->update_depth == 0)
        inv_flush(dev);
    return 0;
}

/* ---- Map / unmap ---------------------------------------------------------------------------- */

static int map_l1(struct smmu_dev *dev, struct smmu_l1 *t, uint32_t pa, uint32_t va,
                  uint32_t attr, bool super)
{
    struct physmem *pm = dev->pt.pm;
    unsigned count = super ? PTE_CONT_ENTRIES : 1;
    uint32_t addr = l1_addr(t, va);

    for (unsigned i = 0; i < count; i++)
        if (physmem_read32(pm, addr + 4 * i) != 0)
            return -EBUSY;      /* a mapping, or an L2 table (which always holds entries) */
    uint32_t d = sect_desc(pa, attr, super);
    for (unsigned i = 0; i < count; i++)
        physmem_write32(pm, addr + 4 * i, d);
    return 0;
}

static int map_l2(struct smmu_dev *dev, struct smmu_l1 *t, uint32_t pa, uint32_t va,
                  uint32_t attr, bool large)
{
    struct physmem *pm = dev->pt.pm;
    unsigned count = large ? PTE_CONT_ENTRIES : 1;
    bool ns = !(attr & SMMU_ATTR_SECURE);
    uint32_t l1a = l1_addr(t, va);
    uint32_t l1d = physmem_read32(pm, l1a);
    bool new_table = false;

    if (l1d != 0) {
        if (!l1_is_table(l1d))
            return -EBUSY;
        /* NS of L2 pages is a property of the whole table */
        if (!!(l1d & PTE_L1_TABLE_NS) != ns)
            return -EINVAL;
        for (unsigned i = 0; i < count; i++)
            if (physmem_read32(pm, l2_addr(l1d, va) + 4 * i) != 0)
                return -EBUSY;
    } else {
        uint32_t l2 = pt_alloc(dev, PTE_L2_TABLE_SIZE);
        if (!l2)
            return -ENOMEM;
        l1d = table_desc(l2, ns);
        new_table = true;
    }
    uint32_t d = page_desc(pa, attr, large);
    for (unsigned i = 0; i < count; i++)
        physmem_write32(pm, l2_addr(l1d, va) + 4 * i, d);
    /* The table descriptor goes last: the walker never sees a table being filled. */
    if (new_table) {
        physmem_write32(pm, l1a, l1d);
        dev->stats.l2_allocs++;
        dev->stats.l2_tables++;
    }
    t->l2_used[PTE_L1_INDEX(va)] += count;
    return 0;
}

int smmu_map(struct smmu_dev *dev, uint32_t pa, uint32_t va, uint32_t len, uint32_t attr)
{
    enum page_size ps;

    if (!dev || !size_ok(len, &ps) || (pa & (len - 1)) || (va & (len - 1)) || !attr_ok(attr))
        return -EINVAL;
    struct smmu_l1 *t = table_for(dev, va);
    if (!t->pa)
        return -EINVAL;
    int ret;
    switch (ps) {
    case PAGE_16M: ret = map_l1(dev, t, pa, va, attr, true); break;
    case PAGE_1M:  ret = map_l1(dev, t, pa, va, attr, false); break;
    case PAGE_64K: ret = map_l2(dev, t, pa, va, attr, true); break;
    default:       ret = map_l2(dev, t, pa, va, attr, false); break;
    }
    if (ret)
        return ret;
    dev->stats.maps[ps]++;
    if (attr & SMMU_ATTR_GLOBAL)
        dev->global_maps++;
    return 0;
}

/* Checks that `count` descriptors from addr are one mapping; returns its first word. */
static int same_run(const struct physmem *pm, uint32_t addr, unsigned count, uint32_t *first)
{
    uint32_t d = physmem_read32(pm, addr);

    for (unsigned i = 1; i < count; i++)
        if (physmem_read32(pm, addr + 4 * i) != d)
            return -EINVAL;
    *first = d;
    return 0;
}

/*
 * Clears the `count` descriptors of one mapping from addr (a supersection or large
 * page is 16 identical words); -EINVAL, with nothing cleared, when they are not one
 * run. *d is the mapping's descriptor.
 */
static int clear_run(struct physmem *pm, uint32_t addr, unsigned count, uint32_t *d)
{
    if (count > 1 && same_run(pm, addr, count, d))
        return -EINVAL;
    for (unsigned i = 0; i < count; i++)
        physmem_write32(pm, addr + 4 * i, 0);
    return 0;
}

static int unmap_l1(struct smmu_dev *dev, struct smmu_l1 *t, uint32_t va, bool super,
                    bool *global)
{
    struct physmem *pm = dev->pt.pm;
    uint32_t addr = l1_addr(t, va), d = physmem_read32(pm, addr);
    unsigned count = super ? PTE_CONT_ENTRIES : 1;

    if (d == 0)
        return -ENOENT;
    if (!l1_is_sect(d) || !!(d & PTE_SECT_SUPER) != super)
        return -EINVAL;
    if (clear_run(pm, addr, count, &d))
        return -EINVAL;
    *global = desc_global(d, false);
    return 0;
}

static int unmap_l2(struct smmu_dev *dev, struct smmu_l1 *t, uint32_t va, bool large,
                    bool *global)
{
    struct physmem *pm = dev->pt.pm;
    uint32_t l1a = l1_addr(t, va), l1d = physmem_read32(pm, l1a);
    unsigned count = large ? PTE_CONT_ENTRIES : 1;

    if (l1d == 0)
        return -ENOENT;
    if (!l1_is_table(l1d))
        return -EINVAL;
    uint32_t addr = l2_addr(l1d, va), d = physmem_read32(pm, addr);
    if (d == 0)
        return -ENOENT;
    bool is_large = (d & PTE_L2_TYPE_MASK) == PTE_L2_TYPE_LARGE;
    if (is_large != large)
        return -EINVAL;
    if (clear_run(pm, addr, count, &d))
        return -EINVAL;
    *global = desc_global(d, true);

    uint16_t *used = &t->l2_used[PTE_L1_INDEX(va)];
    *used = (uint16_t)(*used - count);
    if (*used == 0) {
        physmem_write32(pm, l1a, 0);
        pt_free(dev, l1d & PTE_L1_TABLE_BASE_MASK, PTE_L2_TABLE_SIZE);
        dev->stats.l2_frees++;
        dev->stats.l2_tables--;
    }
    return 0;
}

int smmu_unmap(struct smmu_dev *dev, uint32_t va, uint32_t len)
{
    enum page_size ps;
    bool global = false;

    if (!dev || !size_ok(len, &ps) || (va & (len - 1)))
        return -EINVAL;
    struct smmu_l1 *t = table_for(dev, va);
    if (!t->pa)
        return -EINVAL;
    int ret;
    switch (ps) {
    case PAGE_16M: ret = unmap_l1(dev, t, va, true, &global); break;
    case PAGE_1M:  ret = unmap_l1(dev, t, va, false, &global); break;
    case PAGE_64K: ret = unmap_l2(dev, t, va, true, &global); break;
    default:       ret = unmap_l2(dev, t, va, false, &global); break;
    }
    if (ret)
        return ret;
    dev->stats.unmaps[ps]++;
    if (global)
        dev->global_maps--;
    inv_record(dev, va, global);
    if (dev->update_depth == 0)
        inv_flush(dev);
    return 0;
}

/* ---- Abstract contexts -------------------------------------------------------------------- */

struct smmu_dev *smmu_ctx_init(int ctx, const struct smmu_pt_allocator *pt)
{
    if (ctx < 0 || (unsigned)ctx >= SMMU_MAX_CTX || !pt || !pt->pm || !pt->alloc)
        return NULL;
    struct smmu_dev *dev = calloc(1, sizeof(*dev));
    if (!dev)
        return NULL;
    dev->bank = (unsigned)ctx;
    dev->pt = *pt;
    snprintf(dev->name, sizeof(dev->name), "ctx%d", ctx);
    if (l1_table_new(dev, &dev->l1[0])) {
        free(dev);
        return NULL;
    }
    return dev;
}

static void unbind(struct smmu_dev *dev)
{
    struct smmu_driver *drv = dev->drv;

    if (!drv)
        return;
    for (struct smmu_dev **p = &drv->bound; *p; p = &(*p)->next_bound) {
        if (*p == dev) {
            *p = dev->next_bound;
            break;
        }
    }
    drv->asid_used[dev->asid / 8] &= (uint8_t)~(1u << (dev->asid % 8));
    dev->drv = NULL;
    dev->asid = 0;
    dev->next_bound = NULL;
}

int smmu_ctx_deinit(struct smmu_dev *dev)
{
    if (!dev)
        return -EINVAL;
    if (dev->active)
        return -EBUSY;
    unbind(dev);
    for (unsigned i = 0; i < L1_TABLES; i++)
        l1_table_free(dev, &dev->l1[i]);
    free(dev);
    return 0;
}

static bool mids_fit(const struct smmu_dev *dev, unsigned nmids)
{
    for (unsigned i = 0; i < dev->nmids; i++)
        if (dev->mids[i] >= nmids)
            return false;
    return true;
}

int smmu_ctx_bind(struct smmu_dev *dev, struct smmu_driver *drv)
{
    if (!dev || !drv || !drv->initialized)
        return -EINVAL;
    if (dev->drv == drv)
        return 0;
    if (dev->drv)
        return -EBUSY;
    if (dev->bank >= drv->ncb || !mids_fit(dev, drv->nmids))
        return -EINVAL;
    unsigned asid;
    for (asid = ASID_FIRST; asid < SMMU_NUM_ASIDS; asid++)
        if (!(drv->asid_used[asid / 8] & (1u << (asid % 8))))
            break;
    if (asid == SMMU_NUM_ASIDS)
        return -ENOSPC;
    drv->asid_used[asid / 8] |= (uint8_t)(1u << (asid % 8));
    dev->asid = asid;
    dev->drv = drv;
    dev->next_bound = drv->bound;
    drv->bound = dev;
    return 0;
}

int smmu_ctx_set_mids(struct smmu_dev *dev, const unsigned *mids, unsigned n)
{
    if (!dev || n > SMMU_DEV_MAX_MIDS || (n && !mids))
        return -EINVAL;
    if (dev->active)
        return -EBUSY;
    unsigned limit = dev->drv ? dev->drv->nmids : SMMU_MAX_MIDS;
    for (unsigned i = 0; i < n; i++) {
        if (mids[i] >= limit)
            return -EINVAL;
        for (unsigned j = 0; j < i; j++)
            if (mids[j] == mids[i])
                return -EINVAL;
    }
    memcpy(dev->mids, mids, n * sizeof(*mids));
    dev->nmids = n;
    return 0;
}

int smmu_ctx_set_name(struct smmu_dev *dev, const char *name)
{
    if (!dev || !name)
        return -EINVAL;
    copy_name(dev->name, name);
    return 0;
}

/* Whether L1 entries [from, to) of a table are all fault entries. */
static bool l1_range_empty(const struct smmu_dev *dev, const struct smmu_l1 *t,
                           unsigned from, unsigned to)
{
    if (!t->pa)
        return true;
    for (unsigned i = from; i < to; i++)
        if (physmem_read32(dev->pt.pm, t->pa + 4 * i) != 0)
            return false;
    return true;
}

int smmu_set_split(struct smmu_dev *dev, unsigned n)
{
    if (!dev || n > TTBCR_N_MASK)
        return -EINVAL;
    if (dev->active)
        return -EBUSY;
    if (n == dev->split)
        return 0;
    /* first L1 index that TTBR1 translates with the new N */
    unsigned boundary = n ? PTE_L1_ENTRIES >> n : PTE_L1_ENTRIES;
    if (!l1_range_empty(dev, &dev->l1[0], boundary, PTE_L1_ENTRIES) ||
        !l1_range_empty(dev, &dev->l1[1], 0, boundary))
        return -EBUSY;
    if (n && !dev->l1[1].pa) {
        int ret = l1_table_new(dev, &dev->l1[1]);
        if (ret)
            return ret;
    } else if (!n) {
        l1_table_free(dev, &dev->l1[1]);
    }
    dev->split = n;
    return 0;
}

unsigned smmu_get_split(const struct smmu_dev *dev) { return dev ? dev->split : 0; }

/* ---- Activation ------------------------------------------------------------------------------ */

static void route_mids(struct smmu_dev *dev)
{
    struct smmu_driver *drv = dev->drv;
    uint32_t v = ((dev->bank & M2VCBR_CBNDX_MASK) << M2VCBR_CBNDX_SHIFT) |
                 ((bank_vmid(dev->bank) & M2VCBR_VMID_MASK) << M2VCBR_VMID_SHIFT) |
                 (NSCFG_NONSECURE << M2VCBR_NSCFG_SHIFT);

    for (unsigned i = 0; i < dev->nmids; i++) {
        glb_write(drv, SMMU_M2VCBR_N(dev->mids[i]), v);
        drv->mid_owner[dev->mids[i]] = dev;
    }
}

static void unroute_mids(struct smmu_dev *dev)
{
    struct smmu_driver *drv = dev->drv;

    for (unsigned i = 0; i < dev->nmids; i++) {
        if (drv->mid_owner[dev->mids[i]] != dev)
            continue;
        glb_write(drv, SMMU_M2VCBR_N(dev->mids[i]), M2VCBR_UNROUTED);
        drv->mid_owner[dev->mids[i]] = NULL;
    }
}

static void deactivate_hw(struct smmu_dev *dev)
{
    struct smmu_driver *drv = dev->drv;
    unsigned bank = dev->bank;

    /* Unroute first: the MIDs' traffic then faults globally instead of bypassing. */
    unroute_mids(dev);
    cb_write(drv, bank, SMMU_SCTLR, cb_read(drv, bank, SMMU_SCTLR) & ~SCTLR_M);
    /* Nobody is left to fix a stalled transaction: clear the fault and terminate it. */
    uint32_t fsr = cb_read(drv, bank, SMMU_FSR);
    if (fsr & (FSR_FAULT_MASK | FSR_MULTI))
        cb_write(drv, bank, SMMU_FSR, fsr);
    if (fsr & FSR_SS)
        cb_write(drv, bank, SMMU_RESUME, RESUME_TNR);
    inv_context(dev, dev->global_maps > 0);
    dev->inv_count = 0;
    dev->inv_overflow = dev->inv_global = false;
    drv->retry_count[bank] = 0;
    drv->active[bank] = NULL;
    dev->active = false;
}

/* Bring-up in the mainline order; `translate` false leaves SCTLR.M clear (bypass). */
static int activate(struct smmu_dev *dev, bool translate)
{
    if (!dev || !dev->drv)
        return -EINVAL;
    if (dev->active)
        return 0;
    struct smmu_driver *drv = dev->drv;
    unsigned bank = dev->bank;
    for (unsigned i = 0; i < dev->nmids; i++) {
        struct smmu_dev *owner = drv->mid_owner[dev->mids[i]];
        if (owner && owner->bank != bank)
            return -EBUSY;
    }
    if (drv->active[bank])
        deactivate_hw(drv->active[bank]);   /* context switch */

    uint32_t sctlr = SCTLR_TRE | SCTLR_AFE;
    uint32_t actlr = (TLBMCFG_HW_WALK << ACTLR_TLBMCFG_SHIFT) | (V2PCFG_ALL << ACTLR_V2PCFG_SHIFT);
    cb_write(drv, bank, SMMU_SCTLR, sctlr);
    cb_write(drv, bank, SMMU_ACTLR, actlr);
    cb_write(drv, bank, SMMU_TTBCR, (dev->split & TTBCR_N_MASK) << TTBCR_N_SHIFT);
    cb_write(drv, bank, SMMU_TTBR0, dev->l1[0].pa & TTBR_PA_MASK);
    cb_write(drv, bank, SMMU_TTBR1, dev->l1[1].pa & TTBR_PA_MASK);
    cb_write(drv, bank, SMMU_PRRR, SMMU_PRRR_VALUE);
    cb_write(drv, bank, SMMU_NMRR, SMMU_NMRR_VALUE);
    cb_write(drv, bank, SMMU_CTX_TLBIALL, 0);
    glb_write(drv, SMMU_CBACR_N(bank),
              ((bank_vmid(bank) & CBACR_CBVMID_MASK) << CBACR_CBVMID_SHIFT) |
              (CBACR_IRPTNDX_CTX << CBACR_IRPTNDX_SHIFT));
    cb_write(drv, bank, SMMU_ACTLR, actlr | ACTLR_CFERE | ACTLR_CFEIE | ACTLR_CFCFG);
    cb_write(drv, bank, SMMU_CONTEXTIDR, dev->asid & CONTEXTIDR_ASID_MASK);
    route_mids(dev);
    cb_write(drv, bank, SMMU_SCTLR, translate ? sctlr | SCTLR_M : sctlr);

    /* Entries unmapped while inactive were never cached: nothing is pending. */
    dev->inv_count = 0;
    dev->inv_overflow = dev->inv_global = false;
    drv->active[bank] = dev;
    dev->active = true;
    dev->stats.activations++;
    return 0;
}

int smmu_activate(struct smmu_dev *dev)
{
    return activate(dev, true);
}

int smmu_activate_bypass(struct smmu_dev *dev)
{
    return activate(dev, false);
}

int smmu_deactivate(struct smmu_dev *dev)
{
    if (!dev)
        return -EINVAL;
    if (dev->active)
        deactivate_hw(dev);
    return 0;
}

int smmu_is_active(const struct smmu_dev *dev)
{
    if (!dev)
        return -EINVAL;
    return dev->active ? 1 : 0;
}

int smmu_translate(struct smmu_dev *dev, uint32_t va, uint32_t *pa)
{
    if (!dev || !pa)
        return -EINVAL;
    if (!dev->active)
        return -ENODEV;
    cb_write(dev->drv, dev->bank, SMMU_V2PPR, va);
    uint32_t par = cb_read(dev->drv, dev->bank, SMMU_PAR);
    if (par & PAR_FAULT)
        return -EFAULT;
    if (par & PAR_NOFAULT_SS)   /* a supersection: only PA[31:24] is certain */
        *pa = (par & PTE_SSECT_BASE_MASK) | (va & (SZ_16M - 1));
    else
        *pa = (par & PAR_PA_MASK) | (va & (SZ_4K - 1));
    return 0;
}

int smmu_hook_irpt(struct smmu_dev *dev, smmu_fault_handler_fn handler, void *data)
{
    if (!dev)
        return -EINVAL;
    dev->hook = handler;
    dev->hook_data = handler ? data : NULL;
    return 0;
}

struct smmu_driver *smmu_dev_driver(const struct smmu_dev *dev) { return dev ? dev->drv : NULL; }
unsigned smmu_dev_bank(const struct smmu_dev *dev) { return dev ? dev->bank : 0; }
unsigned smmu_dev_asid(const struct smmu_dev *dev) { return dev ? dev->asid : 0; }
unsigned smmu_dev_vmid(const struct smmu_dev *dev) { return dev ? bank_vmid(dev->bank) : 0; }
const char *smmu_dev_name(const struct smmu_dev *dev) { return dev ? dev->name : NULL; }
uint32_t smmu_dev_ttbr0(const struct smmu_dev *dev) { return dev ? dev->l1[0].pa : 0; }
uint32_t smmu_dev_ttbr1(const struct smmu_dev *dev) { return dev ? dev->l1[1].pa : 0; }

const struct smmu_dev_stats *smmu_dev_stats(const struct smmu_dev *dev)
{
    return dev ? &dev->stats : NULL;
}

/* ---- Device tree -------------------------------------------------------------------------- */

void smmu_desc_fill_config(const struct smmu_desc *d, struct smmu_config *cfg)
{
    if (!d || !cfg)
        return;
    cfg->name = d->name;
    cfg->base = d->base;
    cfg->nbanks = d->nbanks;
    cfg->nmids = d->nmids;
    cfg->irq = d->irq;
}

static bool name_ok(const char *s)
{
    return s && s[0] && strlen(s) < SMMU_NAME_LEN;
}

static int check_ctx(const struct smmu_desc *descs, unsigned si, unsigned ci,
                     char *err, unsigned errlen)
{
    const struct smmu_desc *d = &descs[si];
    const struct smmu_ctx_desc *c = &d->ctx[ci];

    if (!name_ok(c->name)) {
        err_set(err, errlen, "SMMU %s context %u: name must be 1..%u characters",
                d->name, ci, SMMU_NAME_LEN - 1);
        return -EINVAL;
    }
    if (c->bank >= d->nbanks) {
        err_set(err, errlen, "SMMU %s context %s: bank %u must be in 0..%u",
                d->name, c->name, c->bank, d->nbanks - 1);
        return -EINVAL;
    }
    if (c->nmids < 1 || c->nmids > SMMU_DEV_MAX_MIDS) {
        err_set(err, errlen, "SMMU %s context %s: MID count %u must be in 1..%u",
                d->name, c->name, c->nmids, SMMU_DEV_MAX_MIDS);
        return -EINVAL;
    }
    for (unsigned k = 0; k < c->nmids; k++) {
        if (c->mids[k] >= d->nmids) {
            err_set(err, errlen, "SMMU %s context %s: MID %u must be in 0..%u (the SMMU's MIDs)",
                    d->name, c->name, c->mids[k], d->nmids - 1);
            return -EINVAL;
        }
    }
    for (unsigned cj = 0; cj <= ci; cj++) {
        const struct smmu_ctx_desc *o = &d->ctx[cj];
        if (cj < ci && o->bank == c->bank) {
            err_set(err, errlen, "SMMU %s: contexts %s and %s are both on bank %u; each bank "
                    "takes one context", d->name, o->name, c->name, c->bank);
            return -EINVAL;
        }
        for (unsigned k = 0; k < c->nmids; k++) {
            for (unsigned l = 0; l < (cj < ci ? o->nmids : k); l++) {
                if (o->mids[l] == c->mids[k]) {
                    err_set(err, errlen, "SMMU %s: MID %u is listed twice (context %s and %s); "
                            "each MID routes to one context", d->name, c->mids[k], o->name,
                            c->name);
                    return -EINVAL;
                }
            }
        }
    }
    for (unsigned sj = 0; sj <= si; sj++) {
        for (unsigned cj = 0; cj < (sj < si ? descs[sj].nctx : ci); cj++) {
            if (!strcmp(descs[sj].ctx[cj].name, c->name)) {
                err_set(err, errlen, "context name %s is used twice; context names must be "
                        "unique in the tree", c->name);
                return -EINVAL;
            }
        }
    }
    return 0;
}

int smmu_desc_check(const struct smmu_desc *descs, unsigned n, char *err, unsigned errlen)
{
    if (!descs || n == 0) {
        err_set(err, errlen, "no SMMU descriptions given (need at least 1)");
        return -EINVAL;
    }
    for (unsigned si = 0; si < n; si++) {
        const struct smmu_desc *d = &descs[si];
        if (!name_ok(d->name)) {
            err_set(err, errlen, "SMMU %u: name must be 1..%u characters", si, SMMU_NAME_LEN - 1);
            return -EINVAL;
        }
        for (unsigned sj = 0; sj < si; sj++) {
            if (!strcmp(descs[sj].name, d->name)) {
                err_set(err, errlen, "SMMU name %s is used twice; SMMU names must be unique",
                        d->name);
                return -EINVAL;
            }
        }
        if (d->nbanks < 1 || d->nbanks > SMMU_MAX_CTX) {
            err_set(err, errlen, "SMMU %s: banks (%u) must be in 1..%u", d->name, d->nbanks,
                    SMMU_MAX_CTX);
            return -EINVAL;
        }
        if (d->nmids < 1 || d->nmids > SMMU_MAX_MIDS) {
            err_set(err, errlen, "SMMU %s: MIDs (%u) must be in 1..%u", d->name, d->nmids,
                    SMMU_MAX_MIDS);
            return -EINVAL;
        }
        if (d->nctx > SMMU_DESC_MAX_CTX || d->nctx > d->nbanks) {
            err_set(err, errlen, "SMMU %s: contexts (%u) must be in 0..%u (and at most the "
                    "bank count %u)", d->name, d->nctx, SMMU_DESC_MAX_CTX, d->nbanks);
            return -EINVAL;
        }
        for (unsigned ci = 0; ci < d->nctx; ci++) {
            int ret = check_ctx(descs, si, ci, err, errlen);
            if (ret)
                return ret;
        }
    }
    return 0;
}

static char *dup_name(const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = malloc(len);

    if (p)
        memcpy(p, s, len);
    return p;
}

static void tree_free_descs(struct smmu_tree *tree)
{
    if (!tree->descs)
        return;
    for (unsigned i = 0; i < tree->n; i++) {
        free((char *)tree->descs[i].name);
        for (unsigned c = 0; c < tree->descs[i].nctx; c++)
            free((char *)tree->descs[i].ctx[c].name);
    }
    free(tree->descs);
}

static int tree_copy_descs(struct smmu_tree *tree, const struct smmu_desc *descs)
{
    bool ok = true;

    memcpy(tree->descs, descs, tree->n * sizeof(*descs));
    for (unsigned i = 0; i < tree->n; i++) {
        struct smmu_desc *d = &tree->descs[i];
        d->name = dup_name(d->name);
        ok = ok && d->name;
        for (unsigned c = 0; c < d->nctx; c++) {
            d->ctx[c].name = dup_name(d->ctx[c].name);
            ok = ok && d->ctx[c].name;
        }
    }
    return ok ? 0 : -ENOMEM;
}

struct smmu_tree *smmu_tree_new(const struct smmu_desc *descs, unsigned n,
                                struct smmu *const *hw, const struct smmu_pt_allocator *pt,
                                char *err, unsigned errlen)
{
    if (smmu_desc_check(descs, n, err, errlen))
        return NULL;
    if (!hw || !pt || !pt->pm || !pt->alloc) {
        err_set(err, errlen, "the SMMU array and a page-table allocator with memory are required");
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!hw[i]) {
            err_set(err, errlen, "SMMU %s: no hardware instance given", descs[i].name);
            return NULL;
        }
        uint32_t idr = smmu_mmio_read(hw[i], SMMU_IDR);
        unsigned ncb = ((idr >> IDR_NCB_SHIFT) & IDR_NCB_MASK) + 1;
        unsigned nmids = ((idr >> IDR_NM2VCBMT_SHIFT) & IDR_NM2VCBMT_MASK) + 1;
        if (ncb != descs[i].nbanks || nmids < descs[i].nmids) {
            err_set(err, errlen, "SMMU %s: the hardware has %u banks and %u MIDs, the "
                    "description %u banks and %u MIDs", descs[i].name, ncb, nmids,
                    descs[i].nbanks, descs[i].nmids);
            return NULL;
        }
    }
    struct smmu_tree *tree = calloc(1, sizeof(*tree));
    if (tree) {
        tree->n = n;
        tree->pt = *pt;
        tree->descs = calloc(n, sizeof(*tree->descs));
        tree->drv = calloc(n, sizeof(*tree->drv));
    }
    if (!tree || !tree->descs || !tree->drv || tree_copy_descs(tree, descs)) {
        err_set(err, errlen, "out of host memory for the SMMU tree");
        if (tree) {
            tree_free_descs(tree);
            free(tree->drv);
            free(tree);
        }
        return NULL;
    }
    for (unsigned i = 0; i < n; i++)
        smmu_drvdata_init(&tree->drv[i], hw[i], descs[i].base, descs[i].irq);
    return tree;
}

void smmu_tree_free(struct smmu_tree *tree)
{
    if (!tree)
        return;
    for (unsigned i = 0; i < tree->n; i++) {
        struct smmu_driver *drv = &tree->drv[i];
        while (drv->bound)
            smmu_free_ctx_instance(drv->bound);
        smmu_drvdata_deinit(drv);
    }
    tree_free_descs(tree);
    free(tree->drv);
    free(tree);
}

unsigned smmu_tree_num_smmus(const struct smmu_tree *tree) { return tree ? tree->n : 0; }

struct smmu_driver *smmu_tree_driver(struct smmu_tree *tree, unsigned i)
{
    return tree && i < tree->n ? &tree->drv[i] : NULL;
}

struct smmu_driver *smmu_tree_find_driver(struct smmu_tree *tree, const char *smmu_name)
{
    if (!tree || !smmu_name)
        return NULL;
    for (unsigned i = 0; i < tree->n; i++)
        if (!strcmp(tree->descs[i].name, smmu_name))
            return &tree->drv[i];
    return NULL;
}

struct smmu_dev *smmu_get_ctx_instance(struct smmu_tree *tree, const char *ctx_name)
{
    if (!tree || !ctx_name)
        return NULL;
    for (unsigned i = 0; i < tree->n; i++) {
        const struct smmu_desc *d = &tree->descs[i];
        for (unsigned c = 0; c < d->nctx; c++) {
            const struct smmu_ctx_desc *cd = &d->ctx[c];
            if (strcmp(cd->name, ctx_name))
                continue;
            unsigned mids[SMMU_DEV_MAX_MIDS];
            for (unsigned k = 0; k < cd->nmids; k++)
                mids[k] = cd->mids[k];
            struct smmu_dev *dev = smmu_ctx_init((int)cd->bank, &tree->pt);
            if (!dev)
                return NULL;
            if (smmu_ctx_set_name(dev, cd->name) || smmu_ctx_set_mids(dev, mids, cd->nmids) ||
                smmu_ctx_bind(dev, &tree->drv[i])) {
                smmu_ctx_deinit(dev);
                return NULL;
            }
            return dev;
        }
    }
    return NULL;
}

int smmu_free_ctx_instance(struct smmu_dev *dev)
{
    if (!dev)
        return -EINVAL;
    smmu_deactivate(dev);
    return smmu_ctx_deinit(dev);
}

uint32_t smmu_get_base_addr(const struct smmu_dev *dev)
{
    return dev && dev->drv ? dev->drv->base : 0;
}
