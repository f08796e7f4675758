/*
 * smmu_maint.c - timed TLB maintenance (models/smmu_maint.h).
 *
 * The operations live in a ring in arrival order. Their busy periods are disjoint
 * and in order (each starts at max(arrival, previous end)), so the ring is also the
 * SMMU's busy calendar: what a lookup at `now` waits for is the period at the head
 * once the ended ones are dropped, and the periods that follow it back to back.
 */
#include "models/smmu_maint.h"

#include "models/walker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[SMMU_TLBOPS] = {
    [SMMU_OP_CTX_TLBIALL] = "ctx_tlbiall",
    [SMMU_OP_TLBIASID] = "tlbiasid",
    [SMMU_OP_TLBIVA] = "tlbiva",
    [SMMU_OP_TLBIVAA] = "tlbivaa",
    [SMMU_OP_GLOBAL_TLBIALL] = "global_tlbiall",
    [SMMU_OP_TLBIVMID] = "tlbivmid",
};

const char *smmu_tlbop_name(enum smmu_tlbop op)
{
    return (unsigned)op < SMMU_TLBOPS ? op_names[op] : "unknown";
}

void smmu_maint_init(struct smmu_maint *m, struct tlb *tlb, sim_time_t cost)
{
    memset(m, 0, sizeof(*m));
    m->tlb = tlb;
    m->cost = cost;
}

void smmu_maint_fini(struct smmu_maint *m)
{
    free(m->q);
    m->q = NULL;
    m->n = m->cap = m->head = m->applied = 0;
}

static struct smmu_maint_op *slot(struct smmu_maint *m, unsigned i)
{
    return &m->q[(m->head + i) % m->cap];
}

static void grow(struct smmu_maint *m)
{
    unsigned cap = m->cap ? 2 * m->cap : 16;
    struct smmu_maint_op *q = malloc((size_t)cap * sizeof(*q));

    if (!q) {
        fprintf(stderr, "iommusim: out of host memory for TLB maintenance\n");
        abort();
    }
    for (unsigned i = 0; i < m->n; i++)
        q[i] = *slot(m, i);
    free(m->q);
    m->q = q;
    m->cap = cap;
    m->head = 0;
}

static void apply(struct smmu_maint *m, struct smmu_maint_op *o)
{
    uint64_t before = tlb_stats(m->tlb)->invalidations;

    switch ((enum smmu_tlbop)o->op) {
    case SMMU_OP_CTX_TLBIALL:
    case SMMU_OP_TLBIVMID:          tlb_inv_vmid(m->tlb, o->vmid); break;
    case SMMU_OP_TLBIASID:          tlb_inv_asid(m->tlb, o->vmid, o->asid); break;
    case SMMU_OP_TLBIVA:            tlb_inv_va(m->tlb, o->vmid, o->asid, o->va); break;
    case SMMU_OP_TLBIVAA:           tlb_inv_va_all_asid(m->tlb, o->vmid, o->va); break;
    case SMMU_OP_GLOBAL_TLBIALL:    tlb_inv_all(m->tlb); break;
    case SMMU_TLBOPS:               break;
    }
    m->stats.entries_removed += tlb_stats(m->tlb)->invalidations - before;
    /* The descriptor fetch buffer holds no VA or ASID tags, so any operation may concern
     * a buffered line: it is emptied when the operation takes effect (docs/walker.md). */
    if (m->walker)
        walker_bfb_invalidate(m->walker);
    o->applied = 1;
    if (m->observe)
        m->observe(m->observe_arg, 0, o);
}

/* Drops the periods that are over and applied: nothing can wait for them any more. */
static void drop_ended(struct smmu_maint *m, sim_time_t now)
{
    while (m->applied && slot(m, 0)->end <= now) {
        m->head = (m->head + 1) % m->cap;
        m->n--;
        m->applied--;
    }
}

void smmu_maint_apply_due(struct smmu_maint *m, sim_time_t now)
{
    while (m->applied < m->n && slot(m, m->applied)->at <= now)
        apply(m, slot(m, m->applied++));
    drop_ended(m, now);
}

void smmu_maint_settle(struct smmu_maint *m)
{
    while (m->applied < m->n)
        apply(m, slot(m, m->applied++));
}

void smmu_maint_settle_untimed(struct smmu_maint *m)
{
    smmu_maint_settle(m);
    m->head = m->n = m->applied = 0;
    m->busy_end = 0;
}

void smmu_maint_post(struct smmu_maint *m, enum smmu_tlbop op, uint8_t vmid, uint8_t asid,
                     uint32_t va, sim_time_t at)
{
    sim_time_t now = sim_now();

    if (at < now)
        at = now;
    m->stats.ops[op]++;
    drop_ended(m, now);
    if (m->n == m->cap)
        grow(m);
    struct smmu_maint_op *o = slot(m, m->n++);
    *o = (struct smmu_maint_op){ .at = at, .va = va, .op = (uint8_t)op, .vmid = vmid,
                                 .asid = asid };
    o->start = at > m->busy_end ? at : m->busy_end;
    o->end = o->start + m->cost;
    m->busy_end = o->end;
    m->stats.busy_ps += m->cost;
    if (m->observe)
        m->observe(m->observe_arg, 1, o);
    smmu_maint_apply_due(m, now);
}

/* smmu_maint_ready with operations queued (with none, nothing is due or busy). */
sim_time_t smmu_maint_ready_queued(struct smmu_maint *m, sim_time_t now)
{
    smmu_maint_apply_due(m, now);
    sim_time_t ready = now;
    for (unsigned i = 0; i < m->n; i++) {
        const struct smmu_maint_op *o = slot(m, i);
        if (o->start > ready)
            break;
        if (o->end > ready)
            ready = o->end;
    }
    return ready;
}

void smmu_maint_note_delay(struct smmu_maint *m, sim_time_t since, sim_time_t now)
{
    m->stats.delayed++;
    m->stats.delay_ps += now - since;
}
