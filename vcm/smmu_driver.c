/*
 * smmu_driver.c - the Qualcomm SMMU v1 driver's instance: drvdata bring-up, the
 * driver profile, the configuration port's costs, statistics and the fault log's
 * accessors, and the device tree of SMMUs and their named contexts.
 *
 * It sees the hardware the way kernel code would: registers through
 * smmu_mmio_read/smmu_mmio_write (models/smmu_regs.h) and page tables in physical
 * memory (models/physmem.h, format of models/pte.h). The rest of the driver is split
 * by concern: smmu_ctx.c (contexts, tables, map), smmu_tlbi.c (maintenance),
 * smmu_fault.c (the ISR); vcm/smmu_driver_priv.h holds what they share. The VCM layer
 * (vcm/vcm.c) is its only user besides the tests. docs/driver.md explains the choices.
 */
#include "vcm/smmu_driver_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SMMU instance -------------------------------------------------------------------- */

/* Bank registers to their reset state; a stalled transaction is terminated. */
void smmu_reset_bank(struct smmu_driver *drv, unsigned bank)
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
        smmu_reset_bank(drv, bank);
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
