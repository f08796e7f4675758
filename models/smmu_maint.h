/*
 * smmu_maint.h - timed TLB maintenance of one SMMU: the TLB operations software
 * writes (CTX_TLBIALL, TLBIASID, TLBIVA, TLBIVAA, GLOBAL_TLBIALL, TLBIVMID), when each
 * takes effect and how long it keeps the SMMU busy.
 *
 * A write reaches the SMMU at its arrival time (the driver's configuration-port
 * cursor, smmu_mmio_write_at). The operation takes effect on the TLB then, and keeps
 * the SMMU busy for a configured time from the later of its arrival and the end of
 * the previous operation's busy period (operations are done one at a time, in
 * order). A translation whose TLB lookup would start inside a busy period waits until
 * it ends. models/smmu.c owns one struct smmu_maint and calls it from its register
 * writes, TLB lookups and walk fills; docs/smmu.md ("TLB maintenance timing") gives
 * the rules and the figures.
 *
 * Operations arriving later than sim_now() are kept pending and applied lazily:
 * smmu_maint_apply_due(now) applies every one that has arrived by now, before the
 * TLB is used at that time; smmu_maint_settle applies all of them (the functional
 * path, register reads that show TLB contents, the end of a run).
 */
#ifndef IOMMUSIM_MODELS_SMMU_MAINT_H
#define IOMMUSIM_MODELS_SMMU_MAINT_H

#include <stdint.h>

#include "models/tlb.h"
#include "sim/core/kernel.h"

enum smmu_tlbop {
    SMMU_OP_CTX_TLBIALL = 0,    /* every entry of the bank's VMID */
    SMMU_OP_TLBIASID,           /* non-global entries of (VMID, ASID) */
    SMMU_OP_TLBIVA,             /* entries of (VMID, ASID) and global ones covering VA */
    SMMU_OP_TLBIVAA,            /* entries of VMID covering VA, any ASID */
    SMMU_OP_GLOBAL_TLBIALL,     /* every unlocked entry */
    SMMU_OP_TLBIVMID,           /* every entry of a VMID */
    SMMU_TLBOPS
};

/* "ctx_tlbiall", "tlbiasid", ... as the statistics name them. */
const char *smmu_tlbop_name(enum smmu_tlbop op);

struct smmu_maint_stats {
    uint64_t ops[SMMU_TLBOPS];      /* operations written, of each kind */
    uint64_t entries_removed;       /* TLB entries the operations invalidated */
    sim_time_t busy_ps;             /* time the operations kept the SMMU busy */
    uint64_t delayed;               /* translations that waited for a busy period */
    sim_time_t delay_ps;            /* their total wait */
};

struct smmu_maint_op {
    sim_time_t at;                  /* arrival: the operation takes effect */
    sim_time_t start, end;          /* its busy period */
    uint32_t va;
    uint8_t op, vmid, asid;
    uint8_t applied;
};

struct walker;

struct smmu_maint {
    struct tlb *tlb;
    struct walker *walker;          /* emptied with the TLB (its fetch buffer), or NULL */
    sim_time_t cost;                /* busy time per operation */
    struct smmu_maint_op *q;        /* ring: operations pending or still busy */
    unsigned head, n, cap, applied; /* applied: how many from head are applied */
    sim_time_t busy_end;            /* end of the last busy period */
    struct smmu_maint_stats stats;
    /* Observer (models/smmu.h, SMMU_EV_MAINT_POST and _TLB_INVALIDATE): told when an
     * operation is posted (posted = 1, its busy period known) and when it is applied
     * (posted = 0). NULL by default. */
    void (*observe)(void *arg, int posted, const struct smmu_maint_op *o);
    void *observe_arg;
};

void smmu_maint_init(struct smmu_maint *m, struct tlb *tlb, sim_time_t cost);
void smmu_maint_fini(struct smmu_maint *m);

/* An operation written to arrive at `at` (>= sim_now()); applied at once if at <= now. */
void smmu_maint_post(struct smmu_maint *m, enum smmu_tlbop op, uint8_t vmid, uint8_t asid,
                     uint32_t va, sim_time_t at);

void smmu_maint_apply_due(struct smmu_maint *m, sim_time_t now);
void smmu_maint_settle(struct smmu_maint *m);
/* The functional path, which has no time: settles and forgets every busy period. */
void smmu_maint_settle_untimed(struct smmu_maint *m);

/*
 * When a TLB lookup wanted at `now` can start: now, or the end of the busy period
 * (and of those that follow it back to back) that now falls in. Applies what is due.
 * Inline for the usual case of every translation, an empty queue.
 */
sim_time_t smmu_maint_ready_queued(struct smmu_maint *m, sim_time_t now);

static inline sim_time_t smmu_maint_ready(struct smmu_maint *m, sim_time_t now)
{
    return m->n ? smmu_maint_ready_queued(m, now) : now;
}

/* Records a translation that waited from `since` until `now`. */
void smmu_maint_note_delay(struct smmu_maint *m, sim_time_t since, sim_time_t now);

#endif
