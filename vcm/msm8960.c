/*
 * msm8960.c - the MSM8960 multimedia SMMUs as data (see msm8960.h).
 *
 * Every SMMU has a 1 MiB register window and two context banks, except gfx3d,
 * which declares three and uses two. A context's bank is its position in the
 * list (the "num" of the msm-3.4 platform data). nmids is the highest MID routed
 * on that SMMU plus one: the M2VCBR entries the model needs. irq is the
 * non-secure context interrupt, irq_secure the secure one (SPI numbers).
 */
#include "vcm/msm8960.h"

#define CTX(nm, b, ...) { .name = (nm), .bank = (b), \
    .nmids = sizeof((const uint8_t[]){ __VA_ARGS__ }), .mids = { __VA_ARGS__ } }

const struct smmu_desc msm8960_smmus[MSM8960_NUM_SMMUS] = {
    [MSM8960_SMMU_JPEGD] = {
        .name = "jpegd", .base = 0x07300000u, .irq_secure = 65, .irq = 66,
        .nbanks = 2, .nmids = 2, .nctx = 2,
        .ctx = { CTX("jpegd_src", 0, 0), CTX("jpegd_dst", 1, 1) },
    },
    [MSM8960_SMMU_VPE] = {
        .name = "vpe", .base = 0x07400000u, .irq_secure = 51, .irq = 52,
        .nbanks = 2, .nmids = 2, .nctx = 2,
        .ctx = { CTX("vpe_src", 0, 0), CTX("vpe_dst", 1, 1) },
    },
    [MSM8960_SMMU_MDP0] = {
        .name = "mdp0", .base = 0x07500000u, .irq_secure = 63, .irq = 64,
        .nbanks = 2, .nmids = 11, .nctx = 2,
        .ctx = { CTX("mdp_port0_cb0", 0, 0, 2),
                 CTX("mdp_port0_cb1", 1, 1, 3, 4, 5, 6, 7, 8, 9, 10) },
    },
    [MSM8960_SMMU_MDP1] = {
        .name = "mdp1", .base = 0x07600000u, .irq_secure = 61, .irq = 62,
        .nbanks = 2, .nmids = 11, .nctx = 2,
        .ctx = { CTX("mdp_port1_cb0", 0, 0, 2),
                 CTX("mdp_port1_cb1", 1, 1, 3, 4, 5, 6, 7, 8, 9, 10) },
    },
    [MSM8960_SMMU_ROT] = {
        .name = "rot", .base = 0x07700000u, .irq_secure = 59, .irq = 60,
        .nbanks = 2, .nmids = 2, .nctx = 2,
        .ctx = { CTX("rot_src", 0, 0), CTX("rot_dst", 1, 1) },
    },
    [MSM8960_SMMU_IJPEG] = {
        .name = "ijpeg", .base = 0x07800000u, .irq_secure = 67, .irq = 68,
        .nbanks = 2, .nmids = 2, .nctx = 2,
        .ctx = { CTX("ijpeg_src", 0, 0), CTX("ijpeg_dst", 1, 1) },
    },
    [MSM8960_SMMU_VFE] = {
        .name = "vfe", .base = 0x07900000u, .irq_secure = 53, .irq = 54,
        .nbanks = 2, .nmids = 10, .nctx = 2,
        .ctx = { CTX("vfe_imgwr", 0, 2, 3, 4, 5, 6, 7, 8),
                 CTX("vfe_misc", 1, 0, 1, 9) },
    },
    [MSM8960_SMMU_VCODEC_A] = {
        .name = "vcodec_a", .base = 0x07A00000u, .irq_secure = 57, .irq = 58,
        .nbanks = 2, .nmids = 16, .nctx = 2,
        .ctx = { CTX("vcodec_a_stream", 0, 2, 5),
                 CTX("vcodec_a_mm1", 1, 0, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) },
    },
    [MSM8960_SMMU_VCODEC_B] = {
        .name = "vcodec_b", .base = 0x07B00000u, .irq_secure = 55, .irq = 56,
        .nbanks = 2, .nmids = 16, .nctx = 1,
        .ctx = { CTX("vcodec_b_mm2", 0, 0, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) },
    },
    [MSM8960_SMMU_GFX3D] = {
        .name = "gfx3d", .base = 0x07C00000u, .irq_secure = 69, .irq = 70,
        .nbanks = 3, .nmids = 32, .nctx = 2,
        .ctx = { CTX("gfx3d_user", 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                 CTX("gfx3d_priv", 1, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                     29, 30, 31) },
    },
    [MSM8960_SMMU_GFX2D0] = {
        .name = "gfx2d0", .base = 0x07D00000u, .irq_secure = 71, .irq = 72,
        .nbanks = 2, .nmids = 8, .nctx = 1,
        .ctx = { CTX("gfx2d0_2d0", 0, 0, 1, 2, 3, 4, 5, 6, 7) },
    },
    [MSM8960_SMMU_GFX2D1] = {
        .name = "gfx2d1", .base = 0x07E00000u, .irq_secure = 210, .irq = 211,
        .nbanks = 2, .nmids = 8, .nctx = 1,
        .ctx = { CTX("gfx2d1_2d1", 0, 0, 1, 2, 3, 4, 5, 6, 7) },
    },
};

struct smmu_tree *msm8960_smmu_tree_new(struct smmu *const *hw,
                                        const struct smmu_pt_allocator *pt,
                                        char *err, unsigned errlen)
{
    return smmu_tree_new(msm8960_smmus, MSM8960_NUM_SMMUS, hw, pt, err, errlen);
}
