/*
 * smmu_tlbi.c - cache cleans of table memory and TLB maintenance of the SMMU v1
 * driver: after each map or unmap, the invalidations the driver profile
 * (vcm/smmu_profile.h) asks for, eager or batched (lazy), and the update brackets.
 * smmu_ctx.c calls in here from map/unmap and activation.
 */

#include "vcm/smmu_driver_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void smmu_clean_all(struct smmu_driver *drv)
{
    drv->stats.clean_alls++;
    clean_time(drv, drv->costs.clean_all_ps);
}

void smmu_clean_writes(struct smmu_dev *dev, const struct smmu_pt_writes *w)
{
    struct smmu_driver *drv = dev->drv;

    if (!drv || dev->table->cacheable || !w->n)
        return;
    if (drv->profile->clean == SMMU_CLEAN_ALL) {
        smmu_clean_all(drv);
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
void smmu_tlbi_dev(struct smmu_dev *dev, enum smmu_tlbi op, uint32_t va)
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
            smmu_tlbi_dev(d, op, va);
}

/* Lazy: the whole context, with its global entries if it has any. */
void smmu_lazy_context(struct smmu_dev *dev, bool with_global)
{
    smmu_tlbi_dev(dev, with_global ? SMMU_TLBI_CTX_ALL : SMMU_TLBI_ASID, 0);
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

void smmu_lazy_forget(struct smmu_table *t)
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
            smmu_lazy_context(d, t->inv_global);
        } else {
            for (unsigned i = 0; i < t->inv_count; i++)
                smmu_tlbi_dev(d, SMMU_TLBI_VA, t->inv[i].va);
        }
    }
    smmu_lazy_forget(t);
}

static const struct smmu_profile *table_profile(const struct smmu_table *t)
{
    for (const struct smmu_dev *d = t->users; d; d = d->next_user)
        if (d->drv)
            return d->drv->profile;
    return smmu_profile_default();
}

/* After one page was mapped (map) or unmapped at va: what the profile writes. */
void smmu_after_update(struct smmu_table *t, uint32_t va, bool map, bool global)
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
            smmu_clean_all(dev->drv);
        tlbi_table(t, p->on_range, 0);
    }
    t->range_changed = false;
    return 0;
}
