/*
 * smmu_attr.c - memory attributes of a translation (models/smmu_attr.h).
 *
 * Two decodes of the descriptor's TEX, C, B and S bits, as the ARM architecture gives
 * them for the short-descriptor format; the result is what PAR.MT/SH/NOS report.
 * Encodings the architecture reserves are reported as strongly-ordered (the most
 * restrictive type), a model choice listed in docs/smmu.md.
 */
#include "models/smmu_attr.h"

#include "models/smmu_regs.h"

/* A cache policy of NMRR (or of TEX[1:0] / C:B with TRE = 0) as PAR.MT. */
static unsigned policy_mt(unsigned cp)
{
    switch (cp & NMRR_CP_MASK) {
    case NMRR_CP_WB_WA:  return PAR_MT_WB_WA;
    case NMRR_CP_WT:     return PAR_MT_WT;
    case NMRR_CP_WB_NWA: return PAR_MT_WB_NWA;
    default:             return PAR_MT_NC;
    }
}

static void set(struct smmu_memattr *out, unsigned mt, bool sh, bool nos)
{
    out->mt = mt;
    out->sh = sh;
    out->nos = sh && nos;
}

/* SCTLR.TRE = 1: region n = TEX[0]:C:B through PRRR and NMRR. */
static void decode_remap(const struct pte_attrs *a, uint32_t prrr, uint32_t nmrr,
                         struct smmu_memattr *out)
{
    unsigned n = ((a->tex & 1u) << 2) | ((unsigned)a->c << 1) | (unsigned)a->b;
    unsigned type = (prrr >> PRRR_MTC_SHIFT(n)) & PRRR_MTC_MASK;

    switch (type) {
    case PRRR_MT_DEV:
        set(out, PAR_MT_DEV, prrr & (a->s ? PRRR_SHDSH1 : PRRR_SHDSH0), false);
        return;
    case PRRR_MT_NORMAL:
        set(out, policy_mt(nmrr >> NMRR_ICPC_SHIFT(n)),
            prrr & (a->s ? PRRR_SHNMSH1 : PRRR_SHNMSH0), prrr & PRRR_NOS(n));
        return;
    default:            /* PRRR_MT_SO, and the reserved 3 */
        set(out, PAR_MT_SO, true, false);
        return;
    }
}

/* SCTLR.TRE = 0: TEX[2:0], C, B as the ARMv7 table; S gives Normal shareability. */
static void decode_direct(const struct pte_attrs *a, struct smmu_memattr *out)
{
    unsigned cb = ((unsigned)a->c << 1) | (unsigned)a->b;

    if (a->tex & 4u) {              /* TEX = 1BB: cacheable, inner policy C:B */
        set(out, policy_mt(cb), a->s, false);
        return;
    }
    switch ((a->tex & 3u) << 2 | cb) {
    case 0x1: set(out, PAR_MT_DEV, true, false); return;       /* 000 0 1: shareable device */
    case 0x2: set(out, PAR_MT_WT, a->s, false); return;        /* 000 1 0 */
    case 0x3: set(out, PAR_MT_WB_NWA, a->s, false); return;    /* 000 1 1 */
    case 0x4: set(out, PAR_MT_NC, a->s, false); return;        /* 001 0 0 */
    case 0x7: set(out, PAR_MT_WB_WA, a->s, false); return;     /* 001 1 1 */
    case 0x8: set(out, PAR_MT_DEV, false, false); return;      /* 010 0 0: non-shareable device */
    default:  set(out, PAR_MT_SO, true, false); return;        /* 000 0 0, and reserved */
    }
}

void smmu_memattr_decode(const struct pte_attrs *a, bool tre, uint32_t prrr, uint32_t nmrr,
                         struct smmu_memattr *out)
{
    if (tre)
        decode_remap(a, prrr, nmrr, out);
    else
        decode_direct(a, out);
}

uint32_t smmu_par_attrs(const struct pte_attrs *a, bool tre, uint32_t prrr, uint32_t nmrr)
{
    struct smmu_memattr m;

    smmu_memattr_decode(a, tre, prrr, nmrr, &m);
    return (m.mt & PAR_NOFAULT_MT_MASK) << PAR_NOFAULT_MT_SHIFT |
           (m.sh ? PAR_NOFAULT_SH : 0) | (a->ns ? PAR_NOFAULT_NS : 0) |
           (m.nos ? PAR_NOFAULT_NOS : 0);
}
