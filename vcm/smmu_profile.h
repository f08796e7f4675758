/*
 * smmu_profile.h - driver profiles: what a named kernel's SMMU driver writes, and when.
 *
 * The register sequences of the SMMU v1 drivers that shipped (or were proposed) for the
 * MSM8960 differ in ways that change what the hardware does: whether the contexts of
 * one domain share a page table and an ASID, which VMID the MIDs get, which TLB
 * invalidation follows a map, an unmap or a range of them, whether the BFB prefetch is
 * on, and what a fault hook's return value means. A profile is that difference as
 * data; vcm/smmu_driver.c follows the profile it is given and nothing else varies.
 *
 *   msm-3.4       the Android msm-3.4 kernels MSM8960 shipped with (drivers/iommu/
 *                 msm_iommu.c, msm_iommu_dev.c): the default.
 *   msm-mainline  mainline drivers/iommu/msm_iommu.c before io-pgtable.
 *   vcm-2010      the VCM-era arch/arm/mach-msm/smmu_driver.c of the VCM patch series.
 *   lazy          no kernel: the simulator's first driver, kept as a labelled what-if
 *                 (a table per context, invalidation only where an unmap needs it).
 *
 * docs/driver.md has the table of every field per profile with the source lines it
 * follows.
 */
#ifndef IOMMUSIM_VCM_SMMU_PROFILE_H
#define IOMMUSIM_VCM_SMMU_PROFILE_H

#include <stdbool.h>

/* A TLB invalidation the driver writes to a context bank. */
enum smmu_tlbi {
    SMMU_TLBI_NONE = 0,
    SMMU_TLBI_VA,               /* TLBIVA = VA | ASID, per page */
    SMMU_TLBI_ASID,             /* TLBIASID = ASID */
    SMMU_TLBI_CTX_ALL,          /* CTX_TLBIALL: every entry of the bank's VMID */
    SMMU_TLBI_LAZY,             /* unmaps only: TLBIVA per page, TLBIASID past a batch */
};

/* What the driver makes of a fault hook's return value (smmu_fault_handler_fn). */
enum smmu_hook_convention {
    SMMU_HOOK_RETRY_ON_1 = 0,   /* the VCM RFC text: 1 retries, 0 terminates */
    SMMU_HOOK_TERMINATE_ON_NONZERO, /* vcm-2010 smmu_driver.c: 0 retries, else terminates */
};

/* How the driver makes its table writes visible to a walker that does not snoop. */
enum smmu_clean {
    SMMU_CLEAN_LINES = 0,       /* clean the cache lines written (clean_pte) */
    SMMU_CLEAN_ALL,             /* clean the whole data cache (v7_flush_kern_cache_all) */
};

struct smmu_profile {
    const char *name;
    const char *source;         /* the kernel file(s) it follows */
    /* page tables, ASIDs, VMIDs */
    bool shared_tables;         /* the contexts of a domain share one table (TTBR0) */
    bool asid_by_table;         /* ASID chosen at activation by __program_context's rule */
    bool vmid_zero;             /* every MID and bank VMID 0; otherwise VMID = bank */
    bool route_at_probe;        /* MIDs routed when the SMMU is probed, not at attach */
    /* invalidation: every attached context of the table gets it */
    enum smmu_tlbi on_map;      /* after each page mapped outside a range */
    enum smmu_tlbi on_unmap;    /* after each page unmapped outside a range */
    bool per_page_in_range;     /* on_map / on_unmap also apply inside a range */
    enum smmu_tlbi on_range;    /* at the end of a range that changed the table */
    enum smmu_tlbi before_v2p;  /* before each V2PPR of smmu_translate */
    enum smmu_tlbi on_detach;   /* when a context is detached */
    bool reset_on_detach;       /* the bank's registers cleared after detach */
    /* page-table memory that the walker reads uncached: what follows a table write */
    enum smmu_clean clean;
    /* bring-up */
    bool tlbiall_on_attach;     /* CTX_TLBIALL while the bank is programmed */
    bool cfere;                 /* ACTLR.CFERE */
    bool l2_redirect;           /* ACTLR.RCISH/RCOSH/RCNSH: cacheable requests to the L2 */
    bool asid_zero;             /* CONTEXTIDR.ASID left 0 (no ASID is programmed) */
    bool afe;                   /* SCTLR.AFE: AP[0] is an access flag */
    bool bfb;                   /* BFBCR.BFBDFE: the descriptor fetch buffer */
    /* faults */
    enum smmu_hook_convention hook;
};

extern const struct smmu_profile smmu_profile_msm34;
extern const struct smmu_profile smmu_profile_mainline;
extern const struct smmu_profile smmu_profile_vcm2010;
extern const struct smmu_profile smmu_profile_lazy;

/* The default: msm-3.4. */
const struct smmu_profile *smmu_profile_default(void);

/* By name ("msm-3.4", "msm-mainline", "vcm-2010", "lazy"); NULL when unknown. */
const struct smmu_profile *smmu_profile_find(const char *name);

/* The names, for error messages: "msm-3.4, msm-mainline, vcm-2010, lazy". */
const char *smmu_profile_names(void);

#endif
