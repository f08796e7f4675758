/*
 * smmu_attr.h - the memory attributes a translation gives its accesses, as the SMMU
 * reports them in PAR after a successful V2P (MT, SH, NOS; NS is the descriptor's).
 *
 * The decode is the ARMv7 short-descriptor one: with SCTLR.TRE = 1 the region
 * n = TEX[0]:C:B is remapped through PRRR (type, shareability, NOS) and NMRR (cache
 * policy); with TRE = 0 TEX[2:0], C and B are read directly. models/smmu.c calls it
 * when it fills PAR; docs/smmu.md gives the tables.
 */
#ifndef IOMMUSIM_MODELS_SMMU_ATTR_H
#define IOMMUSIM_MODELS_SMMU_ATTR_H

#include <stdbool.h>
#include <stdint.h>

#include "models/pte.h"

struct smmu_memattr {
    unsigned mt;                /* PAR_MT_* of smmu_regs.h */
    bool sh;                    /* shareable */
    bool nos;                   /* shareable but not outer shareable */
};

void smmu_memattr_decode(const struct pte_attrs *a, bool tre, uint32_t prrr, uint32_t nmrr,
                         struct smmu_memattr *out);

/* The attribute bits of a no-fault PAR (MT, SH, NS, NOS) for a translation. */
uint32_t smmu_par_attrs(const struct pte_attrs *a, bool tre, uint32_t prrr, uint32_t nmrr);

#endif
