/*
 * msm8960.h - the built-in description of the MSM8960's 12 multimedia SMMUs.
 *
 * Data only: names, register windows, interrupts, context banks and the MIDs routed
 * to each context, as docs/hardware.md lists them (from msm-3.4 devices-iommu.c and
 * irqs-8960.h). The caller creates one SMMU model per entry (smmu_desc_fill_config
 * fills the fields the description fixes) and builds the driver tree from them:
 *
 *     struct smmu *hw[MSM8960_NUM_SMMUS];
 *     for (i = 0; i < MSM8960_NUM_SMMUS; i++) {
 *         struct smmu_config cfg = { ...timing and TLB... };
 *         smmu_desc_fill_config(&msm8960_smmus[i], &cfg);
 *         hw[i] = smmu_new(&cfg, pm, data_port, walk_port);
 *     }
 *     tree = msm8960_smmu_tree_new(hw, &pt, err, sizeof(err));
 */
#ifndef IOMMUSIM_VCM_MSM8960_H
#define IOMMUSIM_VCM_MSM8960_H

#include "vcm/smmu_driver.h"

#define MSM8960_NUM_SMMUS   12u

/* Indexes into msm8960_smmus, in the order of docs/hardware.md. */
enum msm8960_smmu_id {
    MSM8960_SMMU_JPEGD = 0,
    MSM8960_SMMU_VPE,
    MSM8960_SMMU_MDP0,
    MSM8960_SMMU_MDP1,
    MSM8960_SMMU_ROT,
    MSM8960_SMMU_IJPEG,
    MSM8960_SMMU_VFE,
    MSM8960_SMMU_VCODEC_A,
    MSM8960_SMMU_VCODEC_B,
    MSM8960_SMMU_GFX3D,
    MSM8960_SMMU_GFX2D0,
    MSM8960_SMMU_GFX2D1,
};

extern const struct smmu_desc msm8960_smmus[MSM8960_NUM_SMMUS];

/* smmu_tree_new over the 12 descriptions; hw[i] was created from msm8960_smmus[i]. */
struct smmu_tree *msm8960_smmu_tree_new(struct smmu *const *hw,
                                        const struct smmu_pt_allocator *pt,
                                        char *err, unsigned errlen);

#endif
