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
#include "vcm/smmu_pgtable.h"

/* ---- Constants -------------------------------------------------------------------- */

#define TLBMCFG_HW_WALK         3u      /* ACTLR.TLBMCFG: walk the tables on a miss */
#define V2PCFG_ALL              3u      /* ACTLR.V2PCFG: V2P registers enabled */
#define NSCFG_NONSECURE         3u      /* M2VCBR.NSCFG: force non-secure, as mainline */
#define CBACR_IRPTNDX_CTX       0u      /* every bank reports on the SMMU's one line */
#define FSR_CLEAR_ALL           (FSR_FAULT_MASK | FSR_MULTI)

#define ASID_FIRST              1u      /* ASID 0 is left unused: CONTEXTIDR's reset value */


/* Register fields of msm_iommu_hw-8xxx.h [G] that only the driver writes. */
#ifndef ACTLR_RCOSH
#define ACTLR_RCOSH             (1u << 4)   /* cacheable outer-shareable requests to L2 */
#define ACTLR_RCISH             (1u << 5)   /* cacheable inner-shareable requests to L2 */
#define ACTLR_RCNSH             (1u << 6)   /* cacheable non-shareable requests to L2 */
#endif
#ifndef BFBCR_BFBDFE
#define BFBCR_BFBDFE            (1u << 0)   /* "turn on BFB prefetch" */
#endif
#ifndef TTBR_SH
#define TTBR_IRGNH              (1u << 0)
#define TTBR_SH                 (1u << 1)
#define TTBR_ORGN_SHIFT         3
#define TTBR_NOS                (1u << 5)
#define TTBR_IRGNL              (1u << 6)
#endif
#define TTBR_RGN_WBWA           1u          /* ORGN / IRGN = 01: write-back, write-allocate */

/* ---- Private structures ------------------------------------------------------------ */

struct smmu_inv {
    uint32_t va;
    bool global;
};

/*
 * A page table as the driver holds it: the tables themselves (vcm/smmu_pgtable), the
 * contexts that use it (one, or a domain's several), and what its updates still owe
 * the TLBs.
 */
struct smmu_table {
    struct smmu_pgtable *pg;
    struct smmu_dev *users;             /* via next_user */
    unsigned nusers;
    bool cacheable;                     /* walks go through the L2; no cleans needed */
    unsigned update_depth;              /* nested update brackets (a range) */
    bool range_changed;                 /* a map or unmap happened inside the bracket */
    /* lazy profile: the unmaps since the last flush */
    unsigned inv_count;
    bool inv_overflow, inv_global;
    struct smmu_inv inv[SMMU_TLBI_BATCH];
};

struct smmu_dev {
    unsigned bank;
    struct smmu_table *table;
    struct smmu_dev *next_user;
    struct smmu_driver *drv;
    struct smmu_dev *next_bound;
    unsigned asid;
    bool asid_pooled;                   /* the ASID came from the driver's pool at bind */
    int vmid;                           /* -1: the profile's */
    unsigned mids[SMMU_DEV_MAX_MIDS];
    unsigned nmids;
    char name[SMMU_NAME_LEN];
    bool active;
    smmu_fault_handler_fn hook;
    void *hook_data;
    struct smmu_dev_stats stats;
};

struct smmu_tree {
    unsigned n;
    struct smmu_desc *descs;            /* copies, names owned by the tree */
    struct smmu_driver *drv;
    struct smmu_pt_allocator pt;
};


/* ---- Register access ------------------------------------------------------------------ */

/*
 * Every register access crosses the configuration port: it starts when the port is
 * free (and not before now) and takes costs.mmio_ps. Its statistics say what the
 * driver's work costs. A write reaches the SMMU when its access ends (port_free
 * after it): smmu_mmio_write_at hands the model that time, at which a TLB operation
 * takes effect and starts its busy period. Reads return at once.
 */
static void port_access(struct smmu_driver *drv, bool write, bool maint)
{
    sim_time_t now = sim_now();

    if (drv->port_free < now)
        drv->port_free = now;
    drv->port_free += drv->costs.mmio_ps;
    drv->stats.mmio_ps += drv->costs.mmio_ps;
    if (write)
        drv->stats.mmio_writes++;
    else
        drv->stats.mmio_reads++;
    if (maint) {
        drv->stats.tlbi_writes++;
        drv->stats.maint_ps += drv->costs.mmio_ps;
    }
}

static bool is_tlbi(uint32_t reg)
{
    return reg == SMMU_CTX_TLBIALL || reg == SMMU_TLBIASID || reg == SMMU_TLBIVA ||
           reg == SMMU_TLBIVAA;
}

static uint32_t cb_read(struct smmu_driver *drv, unsigned bank, uint32_t reg)
{
    port_access(drv, false, false);
    return smmu_mmio_read(drv->hw, SMMU_CTX_REG(bank, reg));
}

static void cb_write(struct smmu_driver *drv, unsigned bank, uint32_t reg, uint32_t v)
{
    port_access(drv, true, is_tlbi(reg));
    smmu_mmio_write_at(drv->hw, SMMU_CTX_REG(bank, reg), v, drv->port_free);
}

static uint32_t glb_read(struct smmu_driver *drv, uint32_t reg)
{
    port_access(drv, false, false);
    return smmu_mmio_read(drv->hw, reg);
}

static void glb_write(struct smmu_driver *drv, uint32_t reg, uint32_t v)
{
    port_access(drv, true, reg == SMMU_GLOBAL_TLBIALL || reg == SMMU_TLBIVMID);
    smmu_mmio_write_at(drv->hw, reg, v, drv->port_free);
}

/*
 * The VMID of a bank under the profile: 0 where the kernels route every MID with
 * VMID 0, else the bank number (so that banks never hit each other's entries).
 */
static unsigned profile_vmid(const struct smmu_driver *drv, unsigned bank)
{
    return drv->profile->vmid_zero ? 0 : bank & M2VCBR_VMID_MASK;
}

static unsigned dev_vmid(const struct smmu_dev *dev)
{
    return dev->vmid >= 0 ? (unsigned)dev->vmid : profile_vmid(dev->drv, dev->bank);
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
        { FSR_TLBMF,   "TLB miss fault",         false },
        { FSR_HTWDEEF, "table walk decode error", false },
        { FSR_HTWSEEF, "table walk slave error", false },
        { FSR_MHF,     "multiple hit fault",     false },
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
    /* What the hook asked for, in the profile's convention; no hook terminates. */
    bool asks_retry = r.hooked && !leave &&
                      (drv->profile->hook == SMMU_HOOK_TERMINATE_ON_NONZERO ? ret == 0 : ret == 1);
    /* A retry the hook made good starts the count afresh: only retries that change
     * nothing count toward SMMU_FAULT_RETRY_LIMIT. */
    if (f->stalled && asks_retry && fault_fixed(drv, bank, f))
        drv->retry_count[bank] = 0;
    bool retry = f->stalled && asks_retry && retry_allowed(drv, bank, f->far);
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
        SMMU_PRRR, SMMU_NMRR, SMMU_BFBCR,
    };

    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        cb_write(drv, bank, regs[i], 0);
    if (cb_read(drv, bank, SMMU_FSR) & FSR_SS)
        cb_write(drv, bank, SMMU_RESUME, RESUME_TNR);
    cb_write(drv, bank, SMMU_FSR, FSR_CLEAR_ALL);
}

/* The global bring-up under drv's profile: CR, every bank reset, every MID unrouted. */
static void bring_up(struct smmu_driver *drv)
{
    glb_write(drv, SMMU_CR, 0);
    for (unsigned bank = 0; bank < drv->ncb; bank++) {
        reset_bank(drv, bank);
        /* The bank's VMID is set now so that an invalidation at activation hits it. */
        glb_write(drv, SMMU_CBACR_N(bank),
                  (profile_vmid(drv, bank) & CBACR_CBVMID_MASK) << CBACR_CBVMID_SHIFT);
    }
    for (unsigned mid = 0; mid < drv->nmids; mid++) {
        glb_write(drv, SMMU_M2VCBR_N(mid), M2VCBR_UNROUTED);
        drv->m2vcbr[mid] = M2VCBR_UNROUTED;
    }
    glb_write(drv, SMMU_ESR, glb_read(drv, SMMU_ESR));
    glb_write(drv, SMMU_GLOBAL_TLBIALL, 0);
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
    drv->profile = smmu_profile_default();
    drv->costs.clean_line_bytes = 64;
    drv->bfb = -1;

    bring_up(drv);
    smmu_set_irq_handler(hw, smmu_isr, drv);
    drv->initialized = true;
    return 0;
}

int smmu_drvdata_set_profile(struct smmu_driver *drv, const struct smmu_profile *profile,
                             const struct smmu_driver_costs *costs, int bfb)
{
    if (!drv || !drv->initialized || bfb < -1 || bfb > 1)
        return -EINVAL;
    if (drv->bound)
        return -EBUSY;
    drv->profile = profile ? profile : smmu_profile_default();
    memset(&drv->costs, 0, sizeof(drv->costs));
    if (costs)
        drv->costs = *costs;
    if (!drv->costs.clean_line_bytes || !is_pow2(drv->costs.clean_line_bytes))
        drv->costs.clean_line_bytes = 64;
    drv->bfb = bfb;
    memset(&drv->stats, 0, sizeof(drv->stats));     /* counted afresh under the profile */
    bring_up(drv);
    return 0;
}

void smmu_drvdata_port_sync(struct smmu_driver *drv)
{
    if (!drv || !drv->initialized)
        return;
    drv->port_free = sim_now();
    smmu_settle(drv->hw);
}

const struct smmu_profile *smmu_driver_profile(const struct smmu_driver *drv)
{
    return drv ? drv->profile : NULL;
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

/* ---- Cache cleans of table memory ------------------------------------------------------ */

/*
 * What a table write costs the CPU when the walker does not snoop its cache: the
 * lines written are cleaned (clean_pte), or the whole data cache is (the VCM-era
 * driver's v7_flush_kern_cache_all). The port waits for the CPU.
 */
static void clean_time(struct smmu_driver *drv, sim_time_t t)
{
    sim_time_t now = sim_now();

    if (drv->port_free < now)
        drv->port_free = now;
    drv->port_free += t;
    drv->stats.clean_ps += t;
}

static void clean_all(struct smmu_driver *drv)
{
    drv->stats.clean_alls++;
    clean_time(drv, drv->costs.clean_all_ps);
}

static void clean_writes(struct smmu_dev *dev, const struct smmu_pt_writes *w)
{
    struct smmu_driver *drv = dev->drv;

    if (!drv || dev->table->cacheable || !w->n)
        return;
    if (drv->profile->clean == SMMU_CLEAN_ALL) {
        clean_all(drv);
        return;
    }
    uint32_t line = drv->costs.clean_line_bytes;
    for (unsigned i = 0; i < w->n; i++) {
        uint64_t first = w->w[i].pa & ~(uint64_t)(line - 1);
        uint64_t end = align_up((uint64_t)w->w[i].pa + w->w[i].bytes, line);
        uint64_t lines = (end - first) / line;
        drv->stats.clean_lines += lines;
        clean_time(drv, lines * drv->costs.clean_line_ps);
    }
}

/* ---- TLB maintenance -------------------------------------------------------------------- */

/* One invalidation of one bank (the dev's), by the kinds of smmu_profile.h. */
static void tlbi_dev(struct smmu_dev *dev, enum smmu_tlbi op, uint32_t va)
{
    struct smmu_driver *drv = dev->drv;

    switch (op) {
    case SMMU_TLBI_VA:
        cb_write(drv, dev->bank, SMMU_TLBIVA,
                 (va & TLBIVA_VA_MASK) | (dev->asid & TLBIVA_ASID_MASK));
        dev->stats.tlbi_va++;
        break;
    case SMMU_TLBI_ASID:
        cb_write(drv, dev->bank, SMMU_TLBIASID, dev->asid & TLBIASID_ASID_MASK);
        dev->stats.tlbi_asid++;
        break;
    case SMMU_TLBI_CTX_ALL:
        cb_write(drv, dev->bank, SMMU_CTX_TLBIALL, 0);
        dev->stats.tlbi_ctx++;
        break;
    default:
        break;
    }
}

/* The same invalidation on every active context that uses the table. */
static void tlbi_table(struct smmu_table *t, enum smmu_tlbi op, uint32_t va)
{
    for (struct smmu_dev *d = t->users; d; d = d->next_user)
        if (d->active)
            tlbi_dev(d, op, va);
}

/* Lazy: the whole context, with its global entries if it has any. */
static void lazy_context(struct smmu_dev *dev, bool with_global)
{
    tlbi_dev(dev, with_global ? SMMU_TLBI_CTX_ALL : SMMU_TLBI_ASID, 0);
}

static void lazy_record(struct smmu_table *t, uint32_t va, bool global)
{
    if (t->inv_count < SMMU_TLBI_BATCH) {
        t->inv[t->inv_count].va = va;
        t->inv[t->inv_count].global = global;
        t->inv_count++;
    } else {
        t->inv_overflow = true;
    }
    if (global)
        t->inv_global = true;
}

static void lazy_forget(struct smmu_table *t)
{
    t->inv_count = 0;
    t->inv_overflow = t->inv_global = false;
}

/* Lazy: what the unmaps since the last flush need (only an active context has entries). */
static void lazy_flush(struct smmu_table *t)
{
    for (struct smmu_dev *d = t->users; d; d = d->next_user) {
        if (!d->active)
            continue;
        if (t->inv_overflow) {
            lazy_context(d, t->inv_global);
        } else {
            for (unsigned i = 0; i < t->inv_count; i++)
                tlbi_dev(d, SMMU_TLBI_VA, t->inv[i].va);
        }
    }
    lazy_forget(t);
}

static const struct smmu_profile *table_profile(const struct smmu_table *t)
{
    for (const struct smmu_dev *d = t->users; d; d = d->next_user)
        if (d->drv)
            return d->drv->profile;
    return smmu_profile_default();
}

/* After one page was mapped (map) or unmapped at va: what the profile writes. */
static void after_update(struct smmu_table *t, uint32_t va, bool map, bool global)
{
    const struct smmu_profile *p = table_profile(t);
    enum smmu_tlbi op = map ? p->on_map : p->on_unmap;

    if (t->update_depth)
        t->range_changed = true;
    if (op == SMMU_TLBI_LAZY) {
        lazy_record(t, va, global);
        if (!t->update_depth)
            lazy_flush(t);
        return;
    }
    if (t->update_depth && !p->per_page_in_range)
        return;
    /* An update outside a range that the profile does not invalidate page by page is
     * a range of one (the VCM-era driver expects every update inside a bracket). */
    tlbi_table(t, !t->update_depth && op == SMMU_TLBI_NONE ? p->on_range : op, va);
}

int smmu_update_start(struct smmu_dev *dev)
{
    if (!dev)
        return -EINVAL;
    if (dev->table->update_depth++ == 0)
        dev->table->range_changed = false;
    return 0;
}

int smmu_update_done(struct smmu_dev *dev)
{
    if (!dev || dev->table->update_depth == 0)
        return -EINVAL;
    struct smmu_table *t = dev->table;
    if (--t->update_depth)
        return 0;
    const struct smmu_profile *p = table_profile(t);
    if (p->on_range == SMMU_TLBI_LAZY) {
        lazy_flush(t);
    } else if (t->range_changed) {
        /* the VCM-era smmu_update_done cleans the whole cache once more */
        if (p->clean == SMMU_CLEAN_ALL && !t->cacheable && dev->drv)
            clean_all(dev->drv);
        tlbi_table(t, p->on_range, 0);
    }
    t->range_changed = false;
    return 0;
}

/* ---- Map / unmap ---------------------------------------------------------------------------- */

static enum page_size page_size_of(uint32_t len)
{
    switch (len) {
    case SZ_16M: return PAGE_16M;
    case SZ_1M:  return PAGE_1M;
    case SZ_64K: return PAGE_64K;
    default:     return PAGE_4K;
    }
}

/*
 * The L2-table counts are the table's: every context that uses it reports them. Maps
 * and unmaps of a shared table are counted on its first context (smmu_map).
 */
static void table_stats_changed(struct smmu_table *t)
{
    const struct smmu_pgtable_stats *ts = smmu_pgtable_stats(t->pg);

    for (struct smmu_dev *d = t->users; d; d = d->next_user) {
        d->stats.l2_tables = ts->l2_tables;
        d->stats.l2_allocs = ts->l2_allocs;
        d->stats.l2_frees = ts->l2_frees;
    }
}

int smmu_map(struct smmu_dev *dev, uint32_t pa, uint32_t va, uint32_t len, uint32_t attr)
{
    struct smmu_pt_writes w;

    if (!dev)
        return -EINVAL;
    int ret = smmu_pgtable_map(dev->table->pg, pa, va, len, attr, &w);
    if (ret)
        return ret;
    dev->table->users->stats.maps[page_size_of(len)]++;
    table_stats_changed(dev->table);
    clean_writes(dev, &w);
    after_update(dev->table, va, true, attr & SMMU_ATTR_GLOBAL);
    return 0;
}

int smmu_unmap(struct smmu_dev *dev, uint32_t va, uint32_t len)
{
    struct smmu_pt_writes w;
    bool global = false;

    if (!dev)
        return -EINVAL;
    int ret = smmu_pgtable_unmap(dev->table->pg, va, len, &global, &w);
    if (ret)
        return ret;
    dev->table->users->stats.unmaps[page_size_of(len)]++;
    table_stats_changed(dev->table);
    clean_writes(dev, &w);
    after_update(dev->table, va, false, global);
    return 0;
}

/* ---- Abstract contexts -------------------------------------------------------------------- */

static struct smmu_table *table_new(const struct smmu_pt_allocator *pt)
{
    struct smmu_table *t = calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->pg = smmu_pgtable_new(pt);
    if (!t->pg) {
        free(t);
        return NULL;
    }
    return t;
}

static void table_add_user(struct smmu_table *t, struct smmu_dev *dev)
{
    struct smmu_dev **p = &t->users;

    while (*p)                  /* in order of joining: invalidations go out in that order */
        p = &(*p)->next_user;
    *p = dev;
    dev->next_user = NULL;
    dev->table = t;
    t->nusers++;
}

/* Leaves the table; the last user frees it (and the mappings left in it). */
static void table_drop_user(struct smmu_dev *dev)
{
    struct smmu_table *t = dev->table;

    for (struct smmu_dev **p = &t->users; *p; p = &(*p)->next_user) {
        if (*p == dev) {
            *p = dev->next_user;
            break;
        }
    }
    dev->table = NULL;
    dev->next_user = NULL;
    if (--t->nusers == 0) {
        smmu_pgtable_free(t->pg);
        free(t);
    }
}

struct smmu_dev *smmu_ctx_init(int ctx, const struct smmu_pt_allocator *pt)
{
    if (ctx < 0 || (unsigned)ctx >= SMMU_MAX_CTX || !pt || !pt->pm || !pt->alloc)
        return NULL;
    struct smmu_dev *dev = calloc(1, sizeof(*dev));
    if (!dev)
        return NULL;
    struct smmu_table *t = table_new(pt);
    if (!t) {
        free(dev);
        return NULL;
    }
    dev->bank = (unsigned)ctx;
    dev->vmid = -1;
    snprintf(dev->name, sizeof(dev->name), "ctx%d", ctx);
    table_add_user(t, dev);
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
    if (dev->asid_pooled)
        drv->asid_used[dev->asid / 8] &= (uint8_t)~(1u << (dev->asid % 8));
    dev->drv = NULL;
    dev->asid = 0;
    dev->asid_pooled = false;
    dev->next_bound = NULL;
}

int smmu_ctx_deinit(struct smmu_dev *dev)
{
    if (!dev)
        return -EINVAL;
    if (dev->active)
        return -EBUSY;
    unbind(dev);
    table_drop_user(dev);
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

/* The lazy profile's ASIDs: one per context, unique on its SMMU, lowest free from 1. */
static int pool_asid(struct smmu_dev *dev, struct smmu_driver *drv)
{
    unsigned asid;

    for (asid = ASID_FIRST; asid < SMMU_NUM_ASIDS; asid++)
        if (!(drv->asid_used[asid / 8] & (1u << (asid % 8))))
            break;
    if (asid == SMMU_NUM_ASIDS)
        return -ENOSPC;
    drv->asid_used[asid / 8] |= (uint8_t)(1u << (asid % 8));
    dev->asid = asid;
    dev->asid_pooled = true;
    return 0;
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
    const struct smmu_profile *p = drv->profile;
    if (!p->asid_by_table && !p->asid_zero) {
        int ret = pool_asid(dev, drv);
        if (ret)
            return ret;
    }
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

static bool table_active(const struct smmu_table *t)
{
    for (const struct smmu_dev *d = t->users; d; d = d->next_user)
        if (d->active)
            return true;
    return false;
}

int smmu_ctx_share_table(struct smmu_dev *dev, struct smmu_dev *owner)
{
    if (!dev || !owner || dev == owner)
        return -EINVAL;
    if (dev->table == owner->table)
        return 0;
    if (dev->active)
        return -EBUSY;
    if (smmu_pgtable_stats(dev->table->pg)->mappings || dev->table->nusers > 1)
        return -EBUSY;
    if (smmu_pgtable_split(dev->table->pg) != smmu_pgtable_split(owner->table->pg))
        return -EINVAL;
    table_drop_user(dev);
    table_add_user(owner->table, dev);
    table_stats_changed(owner->table);
    return 0;
}

int smmu_ctx_set_pt_cacheable(struct smmu_dev *dev, bool cacheable)
{
    if (!dev)
        return -EINVAL;
    if (dev->table->cacheable == cacheable)
        return 0;                       /* a second context of a shared table */
    if (table_active(dev->table))
        return -EBUSY;
    dev->table->cacheable = cacheable;
    return 0;
}

int smmu_ctx_set_vmid(struct smmu_dev *dev, int vmid)
{
    if (!dev || vmid < -1 || vmid > (int)M2VCBR_VMID_MASK)
        return -EINVAL;
    if (dev->active)
        return -EBUSY;
    dev->vmid = vmid;
    return 0;
}

int smmu_set_split(struct smmu_dev *dev, unsigned n)
{
    if (!dev || n > TTBCR_N_MASK)
        return -EINVAL;
    if (dev->active || (dev->table->nusers > 1 && n != smmu_pgtable_split(dev->table->pg)))
        return -EBUSY;
    return smmu_pgtable_set_split(dev->table->pg, n);
}

unsigned smmu_get_split(const struct smmu_dev *dev)
{
    return dev ? smmu_pgtable_split(dev->table->pg) : 0;
}

/* ---- Activation ------------------------------------------------------------------------------ */

static uint32_t m2vcbr_value(unsigned bank, unsigned vmid)
{
    return ((bank & M2VCBR_CBNDX_MASK) << M2VCBR_CBNDX_SHIFT) |
           ((vmid & M2VCBR_VMID_MASK) << M2VCBR_VMID_SHIFT) |
           (NSCFG_NONSECURE << M2VCBR_NSCFG_SHIFT);
}

/* Writes M2VCBR_N only where the driver's last write differs. */
static void route_mid(struct smmu_driver *drv, unsigned mid, uint32_t v)
{
    if (drv->m2vcbr[mid] == v)
        return;
    glb_write(drv, SMMU_M2VCBR_N(mid), v);
    drv->m2vcbr[mid] = v;
}

static void route_mids(struct smmu_dev *dev)
{
    struct smmu_driver *drv = dev->drv;
    uint32_t v = m2vcbr_value(dev->bank, dev_vmid(dev));

    for (unsigned i = 0; i < dev->nmids; i++) {
        route_mid(drv, dev->mids[i], v);
        drv->mid_owner[dev->mids[i]] = dev;
    }
}

static void unroute_mids(struct smmu_dev *dev)
{
    struct smmu_driver *drv = dev->drv;

    for (unsigned i = 0; i < dev->nmids; i++) {
        if (drv->mid_owner[dev->mids[i]] != dev)
            continue;
        route_mid(drv, dev->mids[i], M2VCBR_UNROUTED);
        drv->mid_owner[dev->mids[i]] = NULL;
    }
}

/*
 * msm-3.4 __program_context: reuse the ASID of another bank of this SMMU whose TTBR0
 * holds the same table; else the lowest ASID (0 .. banks - 1) that no other bank has.
 * Read from the registers, as the kernel does.
 */
static unsigned asid_by_table(struct smmu_dev *dev, uint32_t ttbr0)
{
    struct smmu_driver *drv = dev->drv;
    unsigned asid[SMMU_MAX_CTX];

    for (unsigned i = 0; i < drv->ncb; i++) {
        if (i == dev->bank)
            continue;
        if ((cb_read(drv, i, SMMU_TTBR0) & TTBR_PA_MASK) == (ttbr0 & TTBR_PA_MASK))
            return cb_read(drv, i, SMMU_CONTEXTIDR) & CONTEXTIDR_ASID_MASK;
    }
    for (unsigned i = 0; i < drv->ncb; i++)
        asid[i] = i == dev->bank ? ~0u : cb_read(drv, i, SMMU_CONTEXTIDR) & CONTEXTIDR_ASID_MASK;
    for (unsigned a = 0; a < drv->ncb; a++) {
        bool used = false;
        for (unsigned i = 0; i < drv->ncb; i++)
            used = used || asid[i] == a;
        if (!used)
            return a;
    }
    return drv->ncb;    /* unreachable: ncb banks cannot hold ncb distinct other ASIDs */
}

/* TTBR0/TTBR1 of the table, with the cacheable-walk attributes when it is cacheable. */
static uint32_t ttbr_value(const struct smmu_table *t, unsigned i)
{
    uint32_t v = smmu_pgtable_l1(t->pg, i) & TTBR_PA_MASK;

    if (v && t->cacheable)      /* msm-3.4: SH, NOS, inner and outer write-back WA */
        v |= TTBR_SH | TTBR_NOS | TTBR_IRGNL | (TTBR_RGN_WBWA << TTBR_ORGN_SHIFT);
    return v;
}

static void deactivate_hw(struct smmu_dev *dev)
{
    struct smmu_driver *drv = dev->drv;
    const struct smmu_profile *p = drv->profile;
    unsigned bank = dev->bank;

    /* Unroute first: the MIDs' traffic then faults globally instead of bypassing. */
    if (!p->route_at_probe)
        unroute_mids(dev);
    cb_write(drv, bank, SMMU_SCTLR, cb_read(drv, bank, SMMU_SCTLR) & ~SCTLR_M);
    /* Nobody is left to fix a stalled transaction: clear the fault and terminate it. */
    uint32_t fsr = cb_read(drv, bank, SMMU_FSR);
    if (fsr & (FSR_FAULT_MASK | FSR_MULTI))
        cb_write(drv, bank, SMMU_FSR, fsr);
    if (fsr & FSR_SS)
        cb_write(drv, bank, SMMU_RESUME, RESUME_TNR);
    if (p->on_detach == SMMU_TLBI_LAZY) {
        lazy_context(dev, smmu_pgtable_stats(dev->table->pg)->global_mappings > 0);
        if (dev->table->nusers == 1)
            lazy_forget(dev->table);
    } else {
        tlbi_dev(dev, p->on_detach, 0);
    }
    if (p->reset_on_detach)
        reset_bank(drv, bank);
    /* Routed at probe, the MIDs stay routed, with the probe's VMID (a secure VMID goes;
     * route_mid writes nothing where it is already the probe's). */
    for (unsigned i = 0; p->route_at_probe && i < dev->nmids; i++) {
        route_mid(drv, dev->mids[i], m2vcbr_value(bank, profile_vmid(drv, bank)));
        if (drv->mid_owner[dev->mids[i]] == dev)
            drv->mid_owner[dev->mids[i]] = NULL;
    }
    drv->retry_count[bank] = 0;
    drv->active[bank] = NULL;
    dev->active = false;
}

/*
 * Bring-up in the order of msm-3.4 __program_context (docs/driver.md), each step as
 * the profile says; `translate` false leaves SCTLR.M clear (bypass).
 */
static int activate(struct smmu_dev *dev, bool translate)
{
    if (!dev || !dev->drv)
        return -EINVAL;
    if (dev->active)
        return 0;
    struct smmu_driver *drv = dev->drv;
    const struct smmu_profile *p = drv->profile;
    struct smmu_table *t = dev->table;
    unsigned bank = dev->bank;
    for (unsigned i = 0; i < dev->nmids; i++) {
        struct smmu_dev *owner = drv->mid_owner[dev->mids[i]];
        if (owner && owner->bank != bank)
            return -EBUSY;
    }
    if (drv->active[bank])
        deactivate_hw(drv->active[bank]);   /* context switch */
    if (p->reset_on_detach)
        reset_bank(drv, bank);              /* __reset_context before programming */

    uint32_t ttbr0 = ttbr_value(t, 0);
    uint32_t sctlr = SCTLR_TRE | (p->afe ? SCTLR_AFE : 0);
    uint32_t actlr = (TLBMCFG_HW_WALK << ACTLR_TLBMCFG_SHIFT) | (V2PCFG_ALL << ACTLR_V2PCFG_SHIFT);
    cb_write(drv, bank, SMMU_SCTLR, sctlr);
    cb_write(drv, bank, SMMU_ACTLR, actlr);
    cb_write(drv, bank, SMMU_TTBCR, (smmu_pgtable_split(t->pg) & TTBCR_N_MASK) << TTBCR_N_SHIFT);
    cb_write(drv, bank, SMMU_TTBR0, ttbr0);
    cb_write(drv, bank, SMMU_TTBR1, ttbr_value(t, 1));
    cb_write(drv, bank, SMMU_PRRR, SMMU_PRRR_VALUE);
    cb_write(drv, bank, SMMU_NMRR, SMMU_NMRR_VALUE);
    if (p->tlbiall_on_attach)
        tlbi_dev(dev, SMMU_TLBI_CTX_ALL, 0);    /* the bank's old entries (context muxing) */
    glb_write(drv, SMMU_CBACR_N(bank),
              ((dev_vmid(dev) & CBACR_CBVMID_MASK) << CBACR_CBVMID_SHIFT) |
              (CBACR_IRPTNDX_CTX << CBACR_IRPTNDX_SHIFT));
    actlr |= ACTLR_CFEIE | ACTLR_CFCFG | (p->cfere ? ACTLR_CFERE : 0);
    if (p->l2_redirect)                     /* cacheable requests to the L2 slave port */
        actlr |= ACTLR_RCISH | ACTLR_RCOSH | ACTLR_RCNSH;
    cb_write(drv, bank, SMMU_ACTLR, actlr);
    bool bfb = drv->bfb >= 0 ? drv->bfb : p->bfb;
    if (bfb)
        cb_write(drv, bank, SMMU_BFBCR, BFBCR_BFBDFE);
    if (p->asid_by_table)
        dev->asid = asid_by_table(dev, ttbr0);
    else if (p->asid_zero)
        dev->asid = 0;
    if (!p->asid_zero)
        cb_write(drv, bank, SMMU_CONTEXTIDR, dev->asid & CONTEXTIDR_ASID_MASK);
    route_mids(dev);
    if (p->clean == SMMU_CLEAN_ALL && !t->cacheable)
        clean_all(drv);                     /* vcm-2010 smmu_activate */
    cb_write(drv, bank, SMMU_SCTLR, translate ? sctlr | SCTLR_M : sctlr);

    /* Entries unmapped while no context of the table was active were never cached. */
    if (!table_active(t))
        lazy_forget(t);
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
    tlbi_dev(dev, dev->drv->profile->before_v2p, va);
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
const char *smmu_dev_name(const struct smmu_dev *dev) { return dev ? dev->name : NULL; }

unsigned smmu_dev_vmid(const struct smmu_dev *dev)
{
    if (!dev)
        return 0;
    if (dev->vmid >= 0)
        return (unsigned)dev->vmid;
    return dev->drv ? profile_vmid(dev->drv, dev->bank) : 0;
}

uint32_t smmu_dev_ttbr0(const struct smmu_dev *dev)
{
    return dev ? smmu_pgtable_l1(dev->table->pg, 0) : 0;
}

uint32_t smmu_dev_ttbr1(const struct smmu_dev *dev)
{
    return dev ? smmu_pgtable_l1(dev->table->pg, 1) : 0;
}

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

/*
 * msm-3.4 and mainline msm_iommu_dev.c route every MID of a context when the context
 * device is probed (VMID 0, CBNDX = the bank), before any domain is attached.
 */
static void probe_contexts(struct smmu_tree *tree, unsigned i)
{
    struct smmu_driver *drv = &tree->drv[i];
    const struct smmu_desc *d = &tree->descs[i];

    if (!drv->profile->route_at_probe)
        return;
    for (unsigned c = 0; c < d->nctx; c++) {
        const struct smmu_ctx_desc *cd = &d->ctx[c];
        uint32_t v = m2vcbr_value(cd->bank, profile_vmid(drv, cd->bank));
        for (unsigned k = 0; k < cd->nmids; k++)
            route_mid(drv, cd->mids[k], v);
    }
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
    for (unsigned i = 0; i < n; i++) {
        smmu_drvdata_init(&tree->drv[i], hw[i], descs[i].base, descs[i].irq);
        probe_contexts(tree, i);
    }
    return tree;
}

int smmu_tree_set_profile(struct smmu_tree *tree, const struct smmu_profile *profile,
                          const struct smmu_driver_costs *costs, int bfb)
{
    if (!tree)
        return -EINVAL;
    for (unsigned i = 0; i < tree->n; i++)
        if (tree->drv[i].bound)
            return -EBUSY;
    for (unsigned i = 0; i < tree->n; i++) {
        int ret = smmu_drvdata_set_profile(&tree->drv[i], profile, costs, bfb);
        if (ret)
            return ret;
        probe_contexts(tree, i);
    }
    return 0;
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

struct smmu_dev *smmu_get_ctx_instance_rc(struct smmu_tree *tree, const char *ctx_name,
                                          int *rc)
{
    int dummy;

    rc = rc ? rc : &dummy;
    *rc = -EINVAL;
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
            if (!dev) {
                *rc = -ENOSPC;          /* its first-level table found no room */
                return NULL;
            }
            if ((*rc = smmu_ctx_set_name(dev, cd->name)) ||
                (*rc = smmu_ctx_set_mids(dev, mids, cd->nmids)) ||
                (*rc = smmu_ctx_bind(dev, &tree->drv[i]))) {
                smmu_ctx_deinit(dev);
                return NULL;
            }
            *rc = 0;
            return dev;
        }
    }
    *rc = -ENOENT;
    return NULL;
}

struct smmu_dev *smmu_get_ctx_instance(struct smmu_tree *tree, const char *ctx_name)
{
    return smmu_get_ctx_instance_rc(tree, ctx_name, NULL);
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
