/*
 * smmu_ctx.c - the abstract contexts of the SMMU v1 driver and their page tables:
 * struct smmu_table shared by a domain's contexts, ASID choice, bind/attach,
 * activate/deactivate (MID routing, TTBRs), map/unmap and V2P. Maintenance after
 * updates lives in smmu_tlbi.c, the instance and its port in smmu_driver.c.
 */

#include "vcm/smmu_driver_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    smmu_clean_writes(dev, &w);
    smmu_after_update(dev->table, va, true, attr & SMMU_ATTR_GLOBAL);
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
    smmu_clean_writes(dev, &w);
    smmu_after_update(dev->table, va, false, global);
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
        smmu_lazy_context(dev, smmu_pgtable_stats(dev->table->pg)->global_mappings > 0);
        if (dev->table->nusers == 1)
            smmu_lazy_forget(dev->table);
    } else {
        smmu_tlbi_dev(dev, p->on_detach, 0);
    }
    if (p->reset_on_detach)
        smmu_reset_bank(drv, bank);
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
        smmu_reset_bank(drv, bank);              /* __reset_context before programming */

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
        smmu_tlbi_dev(dev, SMMU_TLBI_CTX_ALL, 0);    /* the bank's old entries (context muxing) */
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
        smmu_clean_all(drv);                     /* vcm-2010 smmu_activate */
    cb_write(drv, bank, SMMU_SCTLR, translate ? sctlr | SCTLR_M : sctlr);

    /* Entries unmapped while no context of the table was active were never cached. */
    if (!table_active(t))
        smmu_lazy_forget(t);
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
    smmu_tlbi_dev(dev, dev->drv->profile->before_v2p, va);
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
