/*
 * tests/lib/platform.c - the MSM8960 VCM platform of the VCM-layer tests
 * (tests/lib/platform.h says what it is and why it is shared).
 */
#include <stdio.h>
#include <string.h>

#include "models/pte.h"
#include "tests/lib/platform.h"

/* The SMMU models' parameters; the rest comes from each SMMU's description. */
static void smmu_cfg(unsigned i, struct smmu_config *cfg)
{
    *cfg = (struct smmu_config){
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000u,
        .tlb_lookup_cycles = 1,
        .max_walks = 4,
        .hit_under_miss = true,
    };
    smmu_desc_fill_config(&msm8960_smmus[i], cfg);
}

static int fail(struct test_platform *tp, char *err, size_t errlen, const char *what,
                const char *why)
{
    snprintf(err, errlen, "test platform: %s: %s", what, why);
    test_platform_fini(tp);
    return -1;
}

int test_platform_init(struct test_platform *tp, enum vcm_map_policy policy, char *err,
                       size_t errlen)
{
    struct phys_target_cfg mc, pc;
    char why[256] = "";

    memset(tp, 0, sizeof(*tp));
    tp->pm = physmem_new();
    if (!tp->pm)
        return fail(tp, err, errlen, "physmem_new", "out of memory");

    phys_target_cfg_default(&mc, TP_RAM_BASE, TP_RAM_SIZE);
    mc.cont_base = TP_CONT_BASE;
    mc.cont_size = TP_CONT_SIZE;
    tp->mem = phys_target_create(&mc, why, sizeof(why));
    if (!tp->mem)
        return fail(tp, err, errlen, "memory target", why);

    phys_target_cfg_default(&pc, 0, 0);
    pc.cont_base = TP_PT_BASE;
    pc.cont_size = TP_PT_SIZE;
    tp->ptmem = phys_target_create(&pc, why, sizeof(why));
    if (!tp->ptmem)
        return fail(tp, err, errlen, "page-table target", why);
    tp->pt.pm = tp->pm;
    tp->pt.alloc = phys_pt_alloc;
    tp->pt.free = phys_pt_free;
    tp->pt.arg = tp->ptmem;

    for (unsigned i = 0; i < MSM8960_NUM_SMMUS; i++) {
        struct smmu_config cfg;

        smmu_cfg(i, &cfg);
        tp->hw[i] = smmu_new(&cfg, tp->pm, NULL, NULL);
        if (!tp->hw[i])
            return fail(tp, err, errlen, msm8960_smmus[i].name, "smmu_new failed");
    }
    tp->tree = msm8960_smmu_tree_new(tp->hw, &tp->pt, why, sizeof(why));
    if (!tp->tree)
        return fail(tp, err, errlen, "SMMU driver tree", why);

    struct vcm_platform_cfg vc = {
        .pm = tp->pm, .tree = tp->tree, .target = { tp->mem },
        .vmm_start = TP_VMM_START, .vmm_len = TP_VMM_LEN, .policy = policy,
    };
    tp->p = vcm_platform_new(&vc, why, sizeof(why));
    if (!tp->p)
        return fail(tp, err, errlen, "VCM platform", why);
    return 0;
}

void test_platform_fini(struct test_platform *tp)
{
    if (tp->p)
        vcm_platform_free(tp->p);
    if (tp->tree)
        smmu_tree_free(tp->tree);
    for (unsigned i = 0; i < MSM8960_NUM_SMMUS; i++)
        if (tp->hw[i])
            smmu_free(tp->hw[i]);
    if (tp->ptmem)
        phys_target_destroy(tp->ptmem);
    if (tp->mem)
        phys_target_destroy(tp->mem);
    if (tp->pm)
        physmem_free(tp->pm);
    memset(tp, 0, sizeof(*tp));
}

enum smmu_status test_platform_access(const struct test_platform *tp, unsigned smmu,
                                      unsigned mid, uint32_t iova, unsigned access,
                                      struct smmu_txn *t)
{
    memset(t, 0, sizeof(*t));
    t->mid = (uint16_t)mid;
    t->iova = iova;
    t->bytes = 4;
    t->write = access & ACCESS_WRITE;
    t->privileged = access & ACCESS_PRIV;
    t->instr = access & ACCESS_INSTR;
    return smmu_access(tp->hw[smmu], t);
}
