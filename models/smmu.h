/*
 * smmu.h - one Qualcomm SMMU v1 instance: register file, MID routing, context
 * banks, the global TLB shared by the banks, the hardware walker, faults.
 *
 * Software (the driver in vcm/) programs it only through smmu_mmio_read/write at the
 * offsets of smmu_regs.h. Bus masters hand it transactions; a transaction's path:
 *
 *   smmu_submit
 *     -> M2VCBR[mid]: unrouted MID -> global fault (ESR.CFG), terminated
 *                     CR.CLIENTPD or SCTLR.M = 0 -> bypass (PA = IOVA)
 *     -> waits while a TLB operation keeps the SMMU busy (tlb_op_cycles each)
 *     -> TLB lookup (tlb_lookup_cycles)
 *          hit  -> two entries match: FSR.MHF; else permission check -> data access
 *                  through the data port
 *          miss -> ACTLR.TLBMCFG != 3: FSR.TLBMF (no walk); else merged with a walk
 *                  in flight for the same bank and 4 KiB page, or a new walk
 *                  (walk_overhead + descriptor reads through the walk port) -> fill
 *                  (not when the access flag is 0) -> permission check -> data access
 *     -> context fault: FSR/FAR/FSYNR0/1, interrupt; with ACTLR.CFCFG = 1 (and
 *        CR.STALLD = 0) the transaction stalls (FSR.SS) until RESUME is written:
 *        TNR = 0 retries the walk, TNR = 1 terminates it; with CFCFG = 0 it is
 *        terminated at once. A terminated transaction completes with an error.
 *
 * V2PPR/V2PPW/V2PUR/V2PUW translate at once (functional walk, no timing) into PAR:
 * on a fault its FSR bits with SL, else PA, SS and the attributes MT/SH/NS/NOS.
 * The functional mode (smmu_access) runs the same routing, TLB, walker decode and
 * fault logic with no events and no timing.
 */
#ifndef IOMMUSIM_MODELS_SMMU_H
#define IOMMUSIM_MODELS_SMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "models/mem.h"
#include "models/physmem.h"
#include "models/smmu_maint.h"
#include "models/tlb.h"
#include "models/walker.h"
#include "sim/core/kernel.h"

struct smmu_config {
    const char *name;               /* e.g. "vcodec_a" */
    uint32_t base;                  /* MMIO base, for reports */
    unsigned nbanks;                /* context banks, 1..SMMU_MAX_CTX */
    unsigned nmids;                 /* M2VCBR entries, 1..SMMU_MAX_MIDS */
    unsigned irq;                   /* non-secure context interrupt number */
    struct tlb_config tlb;
    uint64_t clock_hz;              /* the client's AXI clock */
    unsigned tlb_lookup_cycles;     /* added to every translated access */
    unsigned walk_overhead_cycles;  /* walk start-up before the first descriptor read */
    unsigned max_walks;             /* walks in flight at once */
    bool hit_under_miss;            /* if false, a miss blocks later lookups until filled */
    unsigned tlb_op_cycles;         /* each TLB operation keeps the SMMU busy this long */
    unsigned bfb_lines;             /* descriptor fetch buffer lines, 0..WALKER_BFB_MAX */
};

enum smmu_status {
    SMMU_DONE = 0,                  /* translated (or bypassed) and the data access completed */
    SMMU_FAULTED,                   /* context fault, terminated: error response */
    SMMU_GLOBAL_FAULTED,            /* unrouted MID: error response */
    SMMU_STALLED,                   /* functional mode only: stalled, not resumed */
};

struct smmu_txn;
typedef void (*smmu_done_fn)(struct smmu_txn *t);

struct smmu_txn {
    /* set by the master */
    uint16_t mid;
    uint32_t iova;
    uint32_t bytes;
    bool write;
    bool privileged;
    bool instr;
    smmu_done_fn done;
    void *owner;
    /* set by the SMMU */
    enum smmu_status status;
    uint32_t pa;
    unsigned ctx;                   /* context bank that served it */
    bool tlb_hit;
    bool bypassed;
    uint32_t fsr;                   /* fault bits when status is SMMU_FAULTED */
    sim_time_t issued;              /* smmu_submit time */
    sim_time_t translated;          /* when the PA was known */
    sim_time_t completed;           /* data access completed */
    /* owned by the SMMU while in flight */
    struct mem_req req;
    struct smmu_txn *next;
    unsigned state;
};

struct smmu_ctx_stats {
    uint64_t translations;          /* translated accesses (not bypassed) */
    uint64_t hits, misses, merged_misses;
    uint64_t walks, desc_reads;
    uint64_t faults, faults_translation, faults_permission, faults_access_flag;
    uint64_t faults_tlb_miss, faults_multi_hit;     /* FSR.TLBMF, FSR.MHF */
    uint64_t stalls, retries, terminated;
    uint64_t bypassed;
    uint64_t faults_walk_error;     /* HTWDEEF / HTWSEEF: a descriptor read failed */
};

struct smmu_stats {
    uint64_t transactions;
    uint64_t global_faults;
    uint64_t irqs;
};

struct smmu;

/* Interrupt line: called when the context interrupt is raised (CFEIE set). */
typedef void (*smmu_irq_fn)(void *arg, struct smmu *s);

/*
 * Observer: told of what a waveform or a timeline shows, at sim_now(), on the timed
 * path only. For writers outside the model (sim/observe/); it must not submit work,
 * write registers or keep the pointers. NULL (the default) costs one branch per event.
 */
enum smmu_event {
    SMMU_EV_WALK_QUEUE = 0,         /* a walk waits for a walker slot (walk, bank) */
    SMMU_EV_WALK_BEGIN,             /* a walk takes a slot (walk, bank) */
    SMMU_EV_WALK_END,               /* its result is known, before the fill (walk, bank) */
    SMMU_EV_TLB_FILL,               /* an entry was filled: the valid count may change */
    SMMU_EV_TLB_INVALIDATE,         /* a TLB operation took effect (maint): applied now,
                                       at or after its arrival (models/smmu_maint.h) */
    SMMU_EV_STALL,                  /* a transaction stalled on a context fault (txn, bank) */
    SMMU_EV_RESUME,                 /* RESUME released it (txn, bank, terminate) */
    SMMU_EV_MAINT_POST,             /* a TLB operation was written (maint): it arrives at
                                       maint->at and keeps the SMMU busy over
                                       [maint->start, maint->end) */
};

struct smmu_event_info {
    enum smmu_event ev;
    unsigned bank;
    const struct walk_job *walk;    /* WALK_*: job->va, job->started, job->result */
    const struct smmu_txn *txn;     /* STALL, RESUME */
    bool terminate;                 /* RESUME: TNR = 1 */
    const struct smmu_maint_op *maint;  /* MAINT_POST, TLB_INVALIDATE */
};

typedef void (*smmu_observe_fn)(void *arg, struct smmu *s, const struct smmu_event_info *e);

int smmu_config_check(const struct smmu_config *cfg, char *err, unsigned errlen);

/*
 * data_port carries translated accesses, walk_port the walker's descriptor reads
 * (usually the same fabric port). Either may be NULL for an SMMU used only through
 * the functional path (smmu_access, V2P).
 */
struct smmu *smmu_new(const struct smmu_config *cfg, struct physmem *pm,
                      const struct mem_port *data_port, const struct mem_port *walk_port);
void smmu_free(struct smmu *s);
const struct smmu_config *smmu_config(const struct smmu *s);

uint32_t smmu_mmio_read(struct smmu *s, uint32_t offset);
void smmu_mmio_write(struct smmu *s, uint32_t offset, uint32_t value);
/*
 * A write that reaches the SMMU at `at` (>= sim_now(); earlier is taken as now): the
 * time software issued it plus the configuration port's latency. A TLB operation
 * takes effect on the TLB and starts its busy period then (models/smmu_maint.h);
 * every other register takes the value at once. smmu_mmio_write is this at sim_now().
 */
void smmu_mmio_write_at(struct smmu *s, uint32_t offset, uint32_t value, sim_time_t at);

void smmu_set_irq_handler(struct smmu *s, smmu_irq_fn fn, void *arg);
void smmu_set_observer(struct smmu *s, smmu_observe_fn fn, void *arg);

/*
 * Timed path: the transaction starts at sim_now(); done runs when it completes. The
 * master sets its fields (mid to owner); smmu_submit sets every field after them,
 * so a transaction record may be reused as it is.
 */
void smmu_submit(struct smmu *s, struct smmu_txn *t);

/*
 * Functional path: translates at once (routing, TLB, walk, faults, interrupt) and
 * sets t->status and t->pa; no data access and no time. A stalled transaction that
 * the interrupt handler resumed is retried or terminated before this returns; one
 * that nobody resumed is left as SMMU_STALLED, and the bank stays stalled.
 */
enum smmu_status smmu_access(struct smmu *s, struct smmu_txn *t);

/*
 * Every TLB operation written so far has arrived and is over: applied, with no busy
 * period left. For software's work before a run starts (bring-up, initial mappings).
 */
void smmu_settle(struct smmu *s);

/* The TLB, with every TLB operation written so far applied (smmu_maint_settle). */
struct tlb *smmu_tlb(struct smmu *s);
/* The TLB as it is now, operations not yet arrived not applied: for observers, which
 * must not change what the model does. */
const struct tlb *smmu_tlb_now(const struct smmu *s);
/* The TLB maintenance counts and times, likewise settled. */
const struct smmu_maint_stats *smmu_maint_stats(struct smmu *s);
/* The same counts as they are now, nothing settled: for observers. */
const struct smmu_maint_stats *smmu_maint_stats_now(const struct smmu *s);
const struct walker_stats *smmu_walker_stats(const struct smmu *s);
/* Walks holding a walker slot now, and (when queued is not NULL) walks waiting for one. */
unsigned smmu_walks_in_flight(const struct smmu *s, unsigned *queued);
struct walker *smmu_walker(struct smmu *s);     /* NULL without a walk port */
const struct smmu_stats *smmu_stats(const struct smmu *s);
const struct smmu_ctx_stats *smmu_ctx_stats(const struct smmu *s, unsigned ctx);

#endif
