/*
 * smmu_priv.h - the state of one SMMU model, shared by the files that implement it:
 * models/smmu.c (routing, TLB lookups, walks, faults, the timed and functional
 * paths) and models/smmu_mmio.c (the register file, V2P, TLB maintenance writes).
 * Nothing outside models/smmu*.c includes it: users see models/smmu.h only.
 */
#ifndef IOMMUSIM_MODELS_SMMU_PRIV_H
#define IOMMUSIM_MODELS_SMMU_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "models/smmu.h"
#include "models/smmu_maint.h"
#include "models/smmu_regs.h"
#include "models/tlb.h"
#include "models/walker.h"
#include "sim/core/kernel.h"

/* A functional-mode access retried this often without success is terminated. */
#define SMMU_FUNCTIONAL_MAX_RETRIES 64

/* The FSR bits smmu_regs.h defines; the others are reserved and read as zero. */
#define FSR_DEFINED_MASK    (FSR_FAULT_MASK | FSR_SS | FSR_MULTI)

enum txn_state {
    TXN_IDLE = 0,
    TXN_LOOKUP,         /* in the TLB or waiting for a walk */
    TXN_BLOCKED,        /* waiting for a miss to fill (hit_under_miss off) */
    TXN_STALLED,        /* timed: stalled on a context fault */
    TXN_STALLED_FUNC,   /* functional: stalled on a context fault */
    TXN_RESUME_RETRY,   /* functional: RESUME asked for a retry */
    TXN_RESUME_TERM,    /* functional: RESUME asked to terminate */
    TXN_DATA,           /* data access in flight */
    TXN_MAINT_WAIT,     /* timed: waiting for a TLB operation's busy period to end */
};

/* An SMMU busy with TLB maintenance for longer than this is misconfigured. */
#define SMMU_MAX_TLB_OP_CYCLES  1000000u

struct smmu_bank {
    uint32_t sctlr, actlr, contextidr, ttbr0, ttbr1, ttbcr;
    uint32_t par, fsr, far, fsynr0, fsynr1, prrr, nmrr, tlblckr, v2psr;
    uint32_t bfbcr;
    struct smmu_txn *stalled_head, *stalled_tail;
    struct smmu_ctx_stats stats;
};

/* A walk in flight, with the transactions that wait for it. */
struct smmu_walk {
    struct walk_job job;
    struct smmu *smmu;
    unsigned bank;
    uint8_t vmid, asid;
    uint32_t page;                  /* VA >> 12: misses to the same page merge */
    struct smmu_txn *waiters;       /* first waiter started the walk */
    struct smmu_txn **waiters_tail;
    struct smmu_walk *next;         /* in-flight list, or free list */
};

struct smmu {
    struct smmu_config cfg;
    char name[32];
    struct physmem *pm;
    struct mem_port data_port, walk_port;
    bool has_data_port;
    struct tlb *tlb;
    struct walker *walker;
    struct sim_clock clk;
    sim_time_t lookup_time, walk_overhead;

    uint32_t m2vcbr[SMMU_MAX_MIDS];
    uint32_t cbacr[SMMU_MAX_CTX];
    uint32_t cr, ear, esr, esynr0, esynr1, tlbrsw, unknown_mmio;
    struct smmu_bank bank[SMMU_MAX_CTX];

    smmu_irq_fn irq_fn;
    void *irq_arg;
    smmu_observe_fn observe;
    void *observe_arg;

    struct smmu_walk *walks;        /* in flight (or queued in the walker) */
    unsigned walks_in_flight;
    struct smmu_walk *free_walks;
    struct smmu_txn *blocked_head, *blocked_tail;

    struct smmu_maint maint;        /* TLB operations and the busy periods they cause */
    struct smmu_txn *maint_head, *maint_tail;   /* lookups waiting for them to end */
    bool maint_wake_pending;

    struct smmu_stats stats;
};

/* The observer's call: one branch when there is none. */
#define SMMU_OBSERVE(s, ...) \
    do { \
        if ((s)->observe) \
            (s)->observe((s)->observe_arg, (s), &(struct smmu_event_info){ __VA_ARGS__ }); \
    } while (0)

/* Helpers of models/smmu.c the register file uses. */
uint8_t smmu_bank_vmid(const struct smmu *s, unsigned bank);
uint8_t smmu_bank_asid(const struct smmu *s, unsigned bank);
void smmu_bank_walk_regs(const struct smmu_bank *k, struct walk_regs *r);
uint32_t smmu_fault_fsr_bits(enum walk_fault f, unsigned level);
/* RESUME written to a bank: every stalled transaction of it retries or terminates. */
void smmu_write_resume(struct smmu *s, unsigned bank, uint32_t v);

#endif
