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
 *     -> TLB lookup (tlb_lookup_cycles)
 *          hit  -> permission check -> data access through the data port
 *          miss -> merged with a walk in flight for the same bank and 4 KiB page,
 *                  or a new walk (walk_overhead + descriptor reads through the walk
 *                  port) -> fill -> permission check -> data access
 *     -> context fault: FSR/FAR/FSYNR0/1, interrupt; with ACTLR.CFCFG = 1 (and
 *        CR.STALLD = 0) the transaction stalls (FSR.SS) until RESUME is written:
 *        TNR = 0 retries the walk, TNR = 1 terminates it; with CFCFG = 0 it is
 *        terminated at once. A terminated transaction completes with an error.
 *
 * V2PPR/V2PPW/V2PUR/V2PUW translate at once (functional walk, no timing) into PAR.
 * The functional mode (smmu_access) runs the same routing, TLB, walker decode and
 * fault logic with no events and no timing.
 */
#ifndef IOMMUSIM_MODELS_SMMU_H
#define IOMMUSIM_MODELS_SMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "models/mem.h"
#include "models/physmem.h"
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
    uint64_t stalls, retries, terminated;
    uint64_t bypassed;
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
    SMMU_EV_TLB_INVALIDATE,         /* a TLBI* register was written (bank; ~0u: global) */
    SMMU_EV_STALL,                  /* a transaction stalled on a context fault (txn, bank) */
    SMMU_EV_RESUME,                 /* RESUME released it (txn, bank, terminate) */
    /*
     * Reserved: the model does not yet time TLB maintenance, so it never emits these.
     * A model that gives maintenance a busy period emits BEGIN and END around it.
     */
    SMMU_EV_MAINT_BEGIN,
    SMMU_EV_MAINT_END,
};

struct smmu_event_info {
    enum smmu_event ev;
    unsigned bank;
    const struct walk_job *walk;    /* WALK_*: job->va, job->started, job->result */
    const struct smmu_txn *txn;     /* STALL, RESUME */
    bool terminate;                 /* RESUME: TNR = 1 */
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

void smmu_set_irq_handler(struct smmu *s, smmu_irq_fn fn, void *arg);
void smmu_set_observer(struct smmu *s, smmu_observe_fn fn, void *arg);

/* Timed path: the transaction starts at sim_now(); done runs when it completes. */
void smmu_submit(struct smmu *s, struct smmu_txn *t);

/*
 * Functional path: translates at once (routing, TLB, walk, faults, interrupt) and
 * sets t->status and t->pa; no data access and no time. A stalled transaction that
 * the interrupt handler resumed is retried or terminated before this returns; one
 * that nobody resumed is left as SMMU_STALLED, and the bank stays stalled.
 */
enum smmu_status smmu_access(struct smmu *s, struct smmu_txn *t);

struct tlb *smmu_tlb(struct smmu *s);
const struct walker_stats *smmu_walker_stats(const struct smmu *s);
/* Walks holding a walker slot now, and (when queued is not NULL) walks waiting for one. */
unsigned smmu_walks_in_flight(const struct smmu *s, unsigned *queued);
const struct smmu_stats *smmu_stats(const struct smmu *s);
const struct smmu_ctx_stats *smmu_ctx_stats(const struct smmu *s, unsigned ctx);

#endif
