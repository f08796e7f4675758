/*
 * smmu_pgtable.h - the driver's page-table writer: ARMv7 short-descriptor tables in
 * simulated physical memory (the format of models/pte.h).
 *
 * A table is one L1 table (two with a split, TTBCR.N > 0) and the L2 tables it points
 * to. It knows nothing of SMMUs, contexts or TLBs: vcm/smmu_driver.c owns the tables,
 * lets several contexts use one (a kernel's IOMMU domain) and issues the invalidations
 * and cache cleans that a write needs, from what each call reports it wrote.
 * Private to vcm/.
 */
#ifndef IOMMUSIM_VCM_SMMU_PGTABLE_H
#define IOMMUSIM_VCM_SMMU_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "vcm/smmu_driver.h"

struct smmu_pgtable;

/* The byte ranges of table memory one map or unmap wrote, for the cache cleans. */
#define SMMU_PT_MAX_WRITES 3
struct smmu_pt_writes {
    unsigned n;
    struct { uint32_t pa, bytes; } w[SMMU_PT_MAX_WRITES];
};

struct smmu_pgtable_stats {
    unsigned l2_tables;             /* L2 tables held now */
    uint64_t l2_allocs, l2_frees;
    unsigned mappings;              /* live mappings */
    unsigned global_mappings;       /* of those, with nG clear */
};

/* A table with a zeroed 16 KiB L1 table from pt; NULL when memory runs out. */
struct smmu_pgtable *smmu_pgtable_new(const struct smmu_pt_allocator *pt);
/* Frees the tables and every L2 table they point to. */
void smmu_pgtable_free(struct smmu_pgtable *t);

/* TTBCR.N, with the rules of smmu_set_split (-EBUSY, -ENOMEM). */
int smmu_pgtable_set_split(struct smmu_pgtable *t, unsigned n);
unsigned smmu_pgtable_split(const struct smmu_pgtable *t);
uint32_t smmu_pgtable_l1(const struct smmu_pgtable *t, unsigned i);  /* 0: TTBR0, 1: TTBR1 */

/* smmu_map / smmu_unmap's table work and return values; w gets what was written. */
int smmu_pgtable_map(struct smmu_pgtable *t, uint32_t pa, uint32_t va, uint32_t len,
                     uint32_t attr, struct smmu_pt_writes *w);
int smmu_pgtable_unmap(struct smmu_pgtable *t, uint32_t va, uint32_t len, bool *global,
                       struct smmu_pt_writes *w);

const struct smmu_pgtable_stats *smmu_pgtable_stats(const struct smmu_pgtable *t);

#endif
