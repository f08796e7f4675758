/*
 * tests/lib/platform.h - the MSM8960 VCM platform the VCM-layer tests stand on.
 *
 * test_vcm, test_vcm_model, test_ion and the fuzz_vcm_api harness all run the VCM API
 * (vcm/vcm.h) on the same hardware: the twelve MSM8960 SMMU models (vcm/msm8960.h),
 * their driver tree, physical memory, and two memory targets (vcm/phys_pool.h). This
 * is that platform, built once here so that the tests agree on the layout their
 * expected addresses are worked out from:
 *
 *   block region  [0x80000000, 0x84000000), docs/allocators.md's default shares:
 *                 16M blocks 0x80000000, 0x81000000
 *                 1M  blocks 0x82000000 .. 0x82F00000 (16)
 *                 64K blocks 0x83000000 .. 0x837F0000 (128)
 *                 4K  blocks 0x83800000 .. 0x83FFF000 (2048)
 *   contiguous    [0x84000000, 0x85000000), first fit (VCM_PHYS_CONT)
 *   page tables   a second target's contiguous pool [0x90000000, 0x90400000)
 *   VMM area      [0xE0000000, 0xF0000000) (the CPU's VCMs)
 *   every SMMU    a 32-entry fully associative LRU TLB (seed 1), 200 MHz, 1-cycle
 *                 lookup, 4 walks in flight, hit under miss
 *
 * It uses no test framework: a failure comes back as -1 and a sentence, which a cmocka
 * test asserts on and a fuzz harness aborts on.
 */
#ifndef IOMMUSIM_TESTS_LIB_PLATFORM_H
#define IOMMUSIM_TESTS_LIB_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "models/physmem.h"
#include "models/smmu.h"
#include "vcm/msm8960.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"
#include "vcm/vcm.h"

#define TP_RAM_BASE     0x80000000u
#define TP_RAM_SIZE     0x04000000u
#define TP_CONT_BASE    0x84000000u
#define TP_CONT_SIZE    0x01000000u
#define TP_PT_BASE      0x90000000u
#define TP_PT_SIZE      0x00400000u
#define TP_VMM_START    0xE0000000u
#define TP_VMM_LEN      0x10000000u

struct test_platform {
    struct physmem *pm;
    struct phys_target *mem;                /* the block pools and the contiguous pool */
    struct phys_target *ptmem;              /* page tables */
    struct smmu_pt_allocator pt;
    struct smmu *hw[MSM8960_NUM_SMMUS];     /* indexed by MSM8960_SMMU_* */
    struct smmu_tree *tree;
    struct vcm_platform *p;
};

/*
 * Builds the platform into *tp with `policy` as the VCM's default mapping policy. 0, or
 * -1 with a sentence in err (what was built is freed again, *tp is left zeroed).
 */
int test_platform_init(struct test_platform *tp, enum vcm_map_policy policy, char *err,
                       size_t errlen);

/*
 * Frees what test_platform_init built, the VCM platform first. A member already freed
 * and set to NULL by the test (tp->p, to look at the targets after vcm_platform_free)
 * is skipped. *tp is zeroed.
 */
void test_platform_fini(struct test_platform *tp);

/*
 * One 4-byte access by MID `mid` through SMMU `smmu` on its functional path
 * (smmu_access: routing, the TLB, a walk on a miss); `access` is a set of the
 * ACCESS_WRITE, ACCESS_PRIV and ACCESS_INSTR bits of models/pte.h. Returns the status;
 * *t holds the rest (pa, fsr, tlb_hit, bypassed, ctx).
 */
enum smmu_status test_platform_access(const struct test_platform *tp, unsigned smmu,
                                      unsigned mid, uint32_t iova, unsigned access,
                                      struct smmu_txn *t);

#endif
