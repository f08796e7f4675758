/*
 * smmu_driver_priv.h - what the files of the SMMU v1 driver share and nobody else
 * sees: the constants of its register programming, the private structures (a page
 * table as the driver holds it, an abstract context, the device tree) and the
 * register access through the configuration port with its costs.
 *
 * The driver is split by concern: smmu_driver.c (the instance, the port, the device
 * tree), smmu_ctx.c (contexts, shared tables, ASIDs, activation, map/unmap),
 * smmu_tlbi.c (cache cleans and TLB maintenance per profile) and smmu_fault.c (the
 * ISR, the fault log and the retry limit). The public API is vcm/smmu_driver.h.
 */
#ifndef VCM_SMMU_DRIVER_PRIV_H
#define VCM_SMMU_DRIVER_PRIV_H

#include "vcm/smmu_driver.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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
static inline void port_access(struct smmu_driver *drv, bool write, bool maint)
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

static inline bool is_tlbi(uint32_t reg)
{
    return reg == SMMU_CTX_TLBIALL || reg == SMMU_TLBIASID || reg == SMMU_TLBIVA ||
           reg == SMMU_TLBIVAA;
}

static inline uint32_t cb_read(struct smmu_driver *drv, unsigned bank, uint32_t reg)
{
    port_access(drv, false, false);
    return smmu_mmio_read(drv->hw, SMMU_CTX_REG(bank, reg));
}

static inline void cb_write(struct smmu_driver *drv, unsigned bank, uint32_t reg, uint32_t v)
{
    port_access(drv, true, is_tlbi(reg));
    smmu_mmio_write_at(drv->hw, SMMU_CTX_REG(bank, reg), v, drv->port_free);
}

static inline uint32_t glb_read(struct smmu_driver *drv, uint32_t reg)
{
    port_access(drv, false, false);
    return smmu_mmio_read(drv->hw, reg);
}

static inline void glb_write(struct smmu_driver *drv, uint32_t reg, uint32_t v)
{
    port_access(drv, true, reg == SMMU_GLOBAL_TLBIALL || reg == SMMU_TLBIVMID);
    smmu_mmio_write_at(drv->hw, reg, v, drv->port_free);
}

/*
 * The VMID of a bank under the profile: 0 where the kernels route every MID with
 * VMID 0, else the bank number (so that banks never hit each other's entries).
 */
static inline unsigned profile_vmid(const struct smmu_driver *drv, unsigned bank)
{
    return drv->profile->vmid_zero ? 0 : bank & M2VCBR_VMID_MASK;
}

static inline unsigned dev_vmid(const struct smmu_dev *dev)
{
    return dev->vmid >= 0 ? (unsigned)dev->vmid : profile_vmid(dev->drv, dev->bank);
}

/* Copies a name, cut to SMMU_NAME_LEN - 1 bytes; called for every fault, so no printf. */
static inline void copy_name(char *dst, const char *src)
{
    size_t n = 0;

    while (src && n < SMMU_NAME_LEN - 1 && src[n])
        n++;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* ---- Shared between the files of the driver ---------------------------------------- */

static inline uint32_t m2vcbr_value(unsigned bank, unsigned vmid)
{
    return ((bank & M2VCBR_CBNDX_MASK) << M2VCBR_CBNDX_SHIFT) |
           ((vmid & M2VCBR_VMID_MASK) << M2VCBR_VMID_SHIFT) |
           (NSCFG_NONSECURE << M2VCBR_NSCFG_SHIFT);
}

/* Writes M2VCBR_N only where the driver's last write differs. */
static inline void route_mid(struct smmu_driver *drv, unsigned mid, uint32_t v)
{
    if (drv->m2vcbr[mid] == v)
        return;
    glb_write(drv, SMMU_M2VCBR_N(mid), v);
    drv->m2vcbr[mid] = v;
}

/* smmu_driver.c: bank registers to their reset state; a stalled transaction is terminated. */
void smmu_reset_bank(struct smmu_driver *drv, unsigned bank);

/* smmu_fault.c: the interrupt handler the instance installs on its line. */
void smmu_isr(void *arg, struct smmu *hw);

/* smmu_tlbi.c: cache cleans and TLB maintenance. */
void smmu_clean_all(struct smmu_driver *drv);
void smmu_clean_writes(struct smmu_dev *dev, const struct smmu_pt_writes *w);
void smmu_tlbi_dev(struct smmu_dev *dev, enum smmu_tlbi op, uint32_t va);
void smmu_lazy_context(struct smmu_dev *dev, bool with_global);
void smmu_lazy_forget(struct smmu_table *t);
void smmu_after_update(struct smmu_table *t, uint32_t va, bool map, bool global);

#endif /* VCM_SMMU_DRIVER_PRIV_H */
