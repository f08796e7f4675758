/*
 * smmu_profile.c - the driver profiles as data (see smmu_profile.h and docs/driver.md).
 *
 * Source letters are those of docs/hardware.md: [O] msm-3.4 drivers/iommu/msm_iommu.c,
 * [P] msm-3.4 msm_iommu_dev.c, [H] mainline drivers/iommu/msm_iommu.c before
 * io-pgtable, [K] the VCM-era arch/arm/mach-msm/smmu_driver.c, [M] the VCM RFC text.
 */
#include "vcm/smmu_profile.h"

#include <stddef.h>
#include <string.h>

const struct smmu_profile smmu_profile_msm34 = {
    .name = "msm-3.4",
    .source = "msm-3.4 drivers/iommu/msm_iommu.c, msm_iommu_dev.c [O][P]",
    .shared_tables = true,          /* msm_iommu_domain_init: one table per domain */
    .asid_by_table = true,          /* __program_context: reuse by TTBR0, else lowest free */
    .vmid_zero = true,              /* ctx probe: VMID 0, CBVMID 0 */
    .route_at_probe = true,         /* ctx probe routes every MID to its bank */
    .on_map = SMMU_TLBI_VA,         /* msm_iommu_map: TLBIVA per attached context */
    .on_unmap = SMMU_TLBI_VA,       /* msm_iommu_unmap: the same */
    .per_page_in_range = false,
    .on_range = SMMU_TLBI_ASID,     /* map_range / unmap_range: TLBIASID per context */
    .before_v2p = SMMU_TLBI_NONE,
    .on_detach = SMMU_TLBI_ASID,    /* detach: TLBIASID, then the context reset */
    .reset_on_detach = true,
    .clean = SMMU_CLEAN_LINES,      /* clean_pte -> dmac_flush_range */
    .tlbiall_on_attach = false,
    .cfere = false,
    .l2_redirect = true,
    .asid_zero = false,
    .afe = false,
    .bfb = true,                    /* SET_BFBDFE(base, ctx, 1) */
    .hook = SMMU_HOOK_RETRY_ON_1,
};

const struct smmu_profile smmu_profile_mainline = {
    .name = "msm-mainline",
    .source = "mainline drivers/iommu/msm_iommu.c, msm_iommu_dev.c before io-pgtable [H]",
    .shared_tables = true,
    .asid_by_table = true,
    .vmid_zero = true,
    .route_at_probe = true,
    .on_map = SMMU_TLBI_CTX_ALL,    /* __flush_iotlb on every map and unmap */
    .on_unmap = SMMU_TLBI_CTX_ALL,
    .per_page_in_range = true,      /* no map_range: the IOMMU core maps page by page */
    .on_range = SMMU_TLBI_NONE,
    .before_v2p = SMMU_TLBI_CTX_ALL,
    .on_detach = SMMU_TLBI_ASID,
    .reset_on_detach = true,
    .clean = SMMU_CLEAN_LINES,
    .tlbiall_on_attach = false,
    .cfere = false,
    .l2_redirect = true,
    .asid_zero = false,
    .afe = true,
    .bfb = true,
    .hook = SMMU_HOOK_RETRY_ON_1,
};

const struct smmu_profile smmu_profile_vcm2010 = {
    .name = "vcm-2010",
    .source = "VCM-era arch/arm/mach-msm/smmu_driver.c [K]",
    .shared_tables = false,         /* smmu_ctx_init allocates a table per context */
    .asid_by_table = false,
    .vmid_zero = false,             /* assumption: the file programs no VMID; one per bank */
    .route_at_probe = false,
    .on_map = SMMU_TLBI_NONE,       /* smmu_map flushes the cache, not the TLB */
    .on_unmap = SMMU_TLBI_NONE,
    .per_page_in_range = false,
    .on_range = SMMU_TLBI_CTX_ALL,  /* smmu_update_done: CTX_TLBIALL when active */
    .before_v2p = SMMU_TLBI_CTX_ALL,    /* smmu_translate */
    .on_detach = SMMU_TLBI_CTX_ALL, /* smmu_deactivate: ACTLR 0, CTX_TLBIALL, reset */
    .reset_on_detach = true,
    .clean = SMMU_CLEAN_ALL,        /* v7_flush_kern_cache_all after every table change */
    .tlbiall_on_attach = true,         /* smmu_activate */
    .cfere = false,
    .l2_redirect = true,            /* "Redirect ALL cacheable requests to L2 slave port" */
    .asid_zero = true,              /* the context reset leaves CONTEXTIDR 0 */
    .afe = false,
    .bfb = true,                    /* "Turn on BFB fetch" */
    .hook = SMMU_HOOK_TERMINATE_ON_NONZERO,
};

const struct smmu_profile smmu_profile_lazy = {
    .name = "lazy",
    .source = "none: a what-if (invalidate only what an unmap leaves stale)",
    .shared_tables = false,
    .asid_by_table = false,
    .vmid_zero = false,
    .route_at_probe = false,
    .on_map = SMMU_TLBI_NONE,
    .on_unmap = SMMU_TLBI_LAZY,
    .per_page_in_range = false,
    .on_range = SMMU_TLBI_LAZY,
    .before_v2p = SMMU_TLBI_NONE,
    .on_detach = SMMU_TLBI_LAZY,
    .reset_on_detach = false,
    .clean = SMMU_CLEAN_LINES,
    .tlbiall_on_attach = true,
    .cfere = true,
    .l2_redirect = false,
    .asid_zero = false,
    .afe = true,
    .bfb = false,
    .hook = SMMU_HOOK_RETRY_ON_1,
};

static const struct smmu_profile *const profiles[] = {
    &smmu_profile_msm34, &smmu_profile_mainline, &smmu_profile_vcm2010, &smmu_profile_lazy,
};

const struct smmu_profile *smmu_profile_default(void)
{
    return &smmu_profile_msm34;
}

const struct smmu_profile *smmu_profile_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof(profiles) / sizeof(profiles[0]); i++)
        if (!strcmp(profiles[i]->name, name))
            return profiles[i];
    return NULL;
}

const char *smmu_profile_names(void)
{
    return "msm-3.4, msm-mainline, vcm-2010, lazy";
}
