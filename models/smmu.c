/*
 * smmu.c - the Qualcomm SMMU v1 model: registers, routing, global TLB, walks, faults.
 *
 * One struct smmu is one SMMU instance of the MSM8960 multimedia fabric. Software
 * sees only its registers (smmu_mmio_read/write); bus masters see only
 * smmu_submit (timed) and smmu_access (functional). The global TLB (models/tlb.c)
 * is shared by every context bank and tagged by VMID and ASID; misses are walked by
 * models/walker.c, whose descriptor reads go through the walk port and so compete
 * with data traffic in the fabric and DRAM.
 *
 * Model choices the hardware documents leave open are listed in docs/smmu.md:
 * unrouted MIDs (M2VCBR.CBNDX = 0xFF), the bank's VMID for TLB maintenance
 * (CBACR.CBVMID), RESUME acting on every stalled transaction of the bank, FSR.SS
 * cleared only by RESUME, IDR.TLBSIZE = log2(entries).
 */
#include "models/smmu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/pte.h"
#include "models/smmu_attr.h"
#include "models/smmu_regs.h"
#include "sim/core/util.h"

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

static void lookup(struct smmu *s, struct smmu_txn *t, unsigned bank);

/* The observer's call: one branch when there is none. */
#define SMMU_OBSERVE(s, ...) \
    do { \
        if ((s)->observe) \
            (s)->observe((s)->observe_arg, (s), &(struct smmu_event_info){ __VA_ARGS__ }); \
    } while (0)

/* ---- Configuration --------------------------------------------------------------- */

int smmu_config_check(const struct smmu_config *cfg, char *err, unsigned errlen)
{
    char tlb_err[160];

#define BAD(...) return err_invalid(err, errlen, __VA_ARGS__)
    if (!cfg)
        BAD("no SMMU configuration given");
    if (cfg->nbanks < 1 || cfg->nbanks > SMMU_MAX_CTX)
        BAD("context banks (%u) must be in 1..%u", cfg->nbanks, SMMU_MAX_CTX);
    if (cfg->nmids < 1 || cfg->nmids > SMMU_MAX_MIDS)
        BAD("MIDs (%u) must be in 1..%u", cfg->nmids, SMMU_MAX_MIDS);
    if (cfg->clock_hz < 1 || cfg->clock_hz > 1000000000000ull)
        BAD("clock (%llu Hz) must be in 1..10^12 Hz", (unsigned long long)cfg->clock_hz);
    if (cfg->max_walks < 1 || cfg->max_walks > 64)
        BAD("outstanding walks (%u) must be in 1..64", cfg->max_walks);
    if (cfg->tlb_lookup_cycles > 1000 || cfg->walk_overhead_cycles > 1000)
        BAD("TLB lookup and walk overhead cycles must be in 0..1000");
    if (cfg->tlb_op_cycles > SMMU_MAX_TLB_OP_CYCLES)
        BAD("TLB operation cycles (%u) must be in 0..%u", cfg->tlb_op_cycles,
            SMMU_MAX_TLB_OP_CYCLES);
    if (cfg->bfb_lines > WALKER_BFB_MAX)
        BAD("descriptor fetch buffer lines (%u) must be in 0..%u", cfg->bfb_lines,
            WALKER_BFB_MAX);
    if (tlb_config_check(&cfg->tlb, tlb_err, sizeof(tlb_err)))
        BAD("TLB: %s", tlb_err);
#undef BAD
    return 0;
}

static void reset_registers(struct smmu *s)
{
    for (unsigned i = 0; i < SMMU_MAX_MIDS; i++)
        s->m2vcbr[i] = M2VCBR_UNROUTED;
    memset(s->cbacr, 0, sizeof(s->cbacr));
    s->cr = s->ear = s->esr = s->esynr0 = s->esynr1 = s->tlbrsw = 0;
    for (unsigned b = 0; b < SMMU_MAX_CTX; b++) {
        struct smmu_bank *k = &s->bank[b];
        struct smmu_ctx_stats st = k->stats;
        memset(k, 0, sizeof(*k));
        k->stats = st;
    }
}

struct smmu *smmu_new(const struct smmu_config *cfg, struct physmem *pm,
                      const struct mem_port *data_port, const struct mem_port *walk_port)
{
    if (smmu_config_check(cfg, NULL, 0) || !pm)
        return NULL;
    struct smmu *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->cfg = *cfg;
    snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "smmu");
    s->cfg.name = s->name;
    s->pm = pm;
    s->tlb = tlb_new(&cfg->tlb);
    sim_clock_init(&s->clk, s->name, cfg->clock_hz);
    s->lookup_time = sim_clock_cycles(&s->clk, cfg->tlb_lookup_cycles);
    s->walk_overhead = sim_clock_cycles(&s->clk, cfg->walk_overhead_cycles);
    if (data_port) {
        s->data_port = *data_port;
        s->has_data_port = true;
    }
    if (walk_port) {
        struct walker_config wc = {
            .max_outstanding = cfg->max_walks,
            /* a miss is known once the lookup is over; the walk starts then */
            .overhead = s->lookup_time + s->walk_overhead,
            .bfb_lines = cfg->bfb_lines,
        };
        s->walk_port = *walk_port;
        s->walker = walker_new(&wc, pm, &s->walk_port);
    }
    if (!s->tlb || (walk_port && !s->walker)) {
        smmu_free(s);
        return NULL;
    }
    smmu_maint_init(&s->maint, s->tlb, sim_clock_cycles(&s->clk, cfg->tlb_op_cycles));
    s->maint.walker = s->walker;       /* its fetch buffer goes with the TLB entries */
    reset_registers(s);
    return s;
}

void smmu_free(struct smmu *s)
{
    if (!s)
        return;
    struct smmu_walk *w, *n;
    for (w = s->walks; w; w = n) {
        n = w->next;
        free(w);
    }
    for (w = s->free_walks; w; w = n) {
        n = w->next;
        free(w);
    }
    walker_free(s->walker);
    smmu_maint_fini(&s->maint);
    tlb_free(s->tlb);
    free(s);
}

const struct smmu_config *smmu_config(const struct smmu *s) { return &s->cfg; }
struct tlb *smmu_tlb(struct smmu *s)
{
    smmu_maint_settle(&s->maint);
    return s->tlb;
}

const struct tlb *smmu_tlb_now(const struct smmu *s) { return s->tlb; }
const struct smmu_maint_stats *smmu_maint_stats_now(const struct smmu *s) { return &s->maint.stats; }

void smmu_settle(struct smmu *s)
{
    smmu_maint_settle_untimed(&s->maint);
}

const struct smmu_maint_stats *smmu_maint_stats(struct smmu *s)
{
    smmu_maint_settle(&s->maint);
    return &s->maint.stats;
}
const struct smmu_stats *smmu_stats(const struct smmu *s) { return &s->stats; }

const struct walker_stats *smmu_walker_stats(const struct smmu *s)
{
    return s->walker ? walker_stats(s->walker) : NULL;
}

struct walker *smmu_walker(struct smmu *s) { return s->walker; }

const struct smmu_ctx_stats *smmu_ctx_stats(const struct smmu *s, unsigned ctx)
{
    return ctx < s->cfg.nbanks ? &s->bank[ctx].stats : NULL;
}

void smmu_set_irq_handler(struct smmu *s, smmu_irq_fn fn, void *arg)
{
    s->irq_fn = fn;
    s->irq_arg = arg;
}

/* The walker's events, told again with the bank of the walk. */
static void walker_event(void *arg, enum walker_event ev, const struct walk_job *job)
{
    static const enum smmu_event as_smmu[] = {
        [WALKER_EV_QUEUE] = SMMU_EV_WALK_QUEUE,
        [WALKER_EV_BEGIN] = SMMU_EV_WALK_BEGIN,
        [WALKER_EV_END] = SMMU_EV_WALK_END,
    };
    const struct smmu_walk *w = job->owner;

    SMMU_OBSERVE((struct smmu *)arg, .ev = as_smmu[ev], .bank = w->bank, .walk = job);
}

/* The maintenance calendar's events: an operation posted, or applied to the TLB. */
static void maint_event(void *arg, int posted, const struct smmu_maint_op *o)
{
    SMMU_OBSERVE((struct smmu *)arg, .ev = posted ? SMMU_EV_MAINT_POST : SMMU_EV_TLB_INVALIDATE,
                 .bank = ~0u, .maint = o);
}

void smmu_set_observer(struct smmu *s, smmu_observe_fn fn, void *arg)
{
    s->observe = fn;
    s->observe_arg = arg;
    if (s->walker)
        walker_set_observer(s->walker, fn ? walker_event : NULL, s);
    s->maint.observe = fn ? maint_event : NULL;
    s->maint.observe_arg = s;
}

unsigned smmu_walks_in_flight(const struct smmu *s, unsigned *queued)
{
    if (queued)
        *queued = s->walker ? walker_queued(s->walker) : 0;
    return s->walker ? walker_in_flight(s->walker) : 0;
}

/* ---- Small helpers ------------------------------------------------------------- */

static unsigned txn_access(const struct smmu_txn *t)
{
    return (t->write ? ACCESS_WRITE : 0) | (t->privileged ? ACCESS_PRIV : 0) |
           (t->instr ? ACCESS_INSTR : 0);
}

/* M2VCBR_N of a MID: its bank (M2VCBR_CBNDX_NONE when unrouted) and VMID. */
static unsigned mid_bank(const struct smmu *s, unsigned mid)
{
    return (s->m2vcbr[mid] >> M2VCBR_CBNDX_SHIFT) & M2VCBR_CBNDX_MASK;
}

static uint8_t mid_vmid(const struct smmu *s, unsigned mid)
{
    return (s->m2vcbr[mid] >> M2VCBR_VMID_SHIFT) & M2VCBR_VMID_MASK;
}

static uint8_t bank_vmid(const struct smmu *s, unsigned bank)
{
    return (s->cbacr[bank] >> CBACR_CBVMID_SHIFT) & CBACR_CBVMID_MASK;
}

static uint8_t bank_asid(const struct smmu *s, unsigned bank)
{
    return s->bank[bank].contextidr & CONTEXTIDR_ASID_MASK;
}

static void bank_walk_regs(const struct smmu_bank *k, struct walk_regs *r)
{
    r->ttbr0 = k->ttbr0;
    r->ttbr1 = k->ttbr1;
    r->n = (k->ttbcr >> TTBCR_N_SHIFT) & TTBCR_N_MASK;
    r->pd0 = k->ttbcr & TTBCR_PD0;
    r->pd1 = k->ttbcr & TTBCR_PD1;
    r->afe = k->sctlr & SCTLR_AFE;
    r->bfb = k->bfbcr & BFBCR_BFBDFE;
    r->rcosh = k->actlr & ACTLR_RCOSH;
    r->rcish = k->actlr & ACTLR_RCISH;
    r->rcnsh = k->actlr & ACTLR_RCNSH;
}

static uint32_t fault_fsr_bits(enum walk_fault f, unsigned level)
{
    switch (f) {
    case WALK_TRANSLATION_L1: return FSR_TF;
    case WALK_TRANSLATION_L2: return FSR_TF | FSR_SL;
    case WALK_ACCESS_FLAG:    return FSR_AFF | (level == 2 ? FSR_SL : 0);
    case WALK_PERMISSION:     return FSR_APF | (level == 2 ? FSR_SL : 0);
    case WALK_DECODE_ERROR:   return FSR_HTWDEEF | (level == 2 ? FSR_SL : 0);
    case WALK_SLAVE_ERROR:    return FSR_HTWSEEF | (level == 2 ? FSR_SL : 0);
    case WALK_OK:             break;
    }
    return 0;
}

/* A translation whose access flag is 0 (SCTLR.AFE = 1) is never held in the TLB. */
static bool may_cache(const struct smmu_bank *k, const struct tlb_entry *e)
{
    return !(k->sctlr & SCTLR_AFE) || (e->attrs.ap & PTE_AP_AP0);
}

/* ACTLR.TLBMCFG = 3 walks the tables on a miss; any other value makes a miss TLBMF. */
static bool walks_on_miss(const struct smmu_bank *k)
{
    return ((k->actlr >> ACTLR_TLBMCFG_SHIFT) & ACTLR_TLBMCFG_MASK) == ACTLR_TLBMCFG_HTW;
}

static enum walk_fault check_fault(enum pte_check c)
{
    return c == PTE_ACCESS_FLAG_FAULT ? WALK_ACCESS_FLAG :
           c == PTE_PERMISSION_FAULT ? WALK_PERMISSION : WALK_OK;
}

static uint32_t entry_pa(const struct tlb_entry *e, uint32_t va)
{
    uint32_t mask = page_bytes(e->size) - 1;
    return (e->pa & ~mask) | (va & mask);
}

static void txn_list_append(struct smmu_txn **head, struct smmu_txn **tail, struct smmu_txn *t)
{
    t->next = NULL;
    if (*tail)
        (*tail)->next = t;
    else
        *head = t;
    *tail = t;
}

static void raise_irq(struct smmu *s)
{
    s->stats.irqs++;
    if (s->irq_fn)
        s->irq_fn(s->irq_arg, s);
}

static void irq_event(void *arg)
{
    raise_irq(arg);
}

/* ---- Completion ------------------------------------------------------------------ */

static void complete_now(void *arg)
{
    struct smmu_txn *t = arg;

    t->completed = sim_now();
    t->state = TXN_IDLE;
    if (t->done)
        t->done(t);
}

static void data_done(struct mem_req *req)
{
    struct smmu_txn *t = req->owner;

    if (req->status != MEM_OK && t->status == SMMU_DONE)
        t->status = SMMU_FAULTED;
    complete_now(t);
}

/* The PA is known at time `at`; the data access leaves then. */
static void forward_data(struct smmu *s, struct smmu_txn *t, sim_time_t at)
{
    t->status = SMMU_DONE;
    t->translated = at;
    t->state = TXN_DATA;
    if (!s->has_data_port) {
        sim_schedule(at - sim_now(), complete_now, t);
        return;
    }
    t->req.pa = t->pa;
    t->req.bytes = t->bytes;
    t->req.write = t->write;
    t->req.at = at;
    t->req.done = data_done;
    t->req.owner = t;
    mem_request(&s->data_port, &t->req);
}

static void terminate_at(struct smmu_txn *t, enum smmu_status st, sim_time_t at)
{
    t->status = st;
    t->translated = at;
    t->state = TXN_DATA;
    sim_schedule(at - sim_now(), complete_now, t);
}

/* ---- Faults ---------------------------------------------------------------------- */

static void global_fault(struct smmu *s, const struct smmu_txn *t)
{
    s->stats.global_faults++;
    if (s->esr & ESR_CFG)
        s->esr |= ESR_MULTI;
    else {
        s->esr |= ESR_CFG;
        s->ear = t->iova;
        s->esynr0 = (t->mid & ESYNR0_AMID_MASK) << ESYNR0_AMID_SHIFT;
        s->esynr1 = (t->write ? ESYNR1_AWRITE : 0) | (t->privileged ? ESYNR1_APRIV : 0) |
                    (t->instr ? ESYNR1_AINST : 0);
    }
}

static void record_context_fault(struct smmu *s, unsigned bank, const struct smmu_txn *t,
                                 uint32_t bits)
{
    struct smmu_bank *k = &s->bank[bank];

    k->stats.faults++;
    if (bits & FSR_APF)
        k->stats.faults_permission++;
    else if (bits & FSR_AFF)
        k->stats.faults_access_flag++;
    else if (bits & FSR_TLBMF)
        k->stats.faults_tlb_miss++;
    else if (bits & FSR_MHF)
        k->stats.faults_multi_hit++;
    else if (bits & (FSR_HTWDEEF | FSR_HTWSEEF))
        k->stats.faults_walk_error++;
    else
        k->stats.faults_translation++;

    /* SL qualifies the recorded fault; only bits [7:1] say a fault is pending
     * (the drivers clear FSR with 0x4000000F, which leaves SL alone). */
    if (k->fsr & FSR_PENDING_MASK) {
        k->fsr |= FSR_MULTI;
        return;
    }
    k->fsr = (k->fsr & ~FSR_SL) | bits;
    k->far = t->iova;
    k->fsynr0 = (t->mid & FSYNR0_AMID_MASK) << FSYNR0_AMID_SHIFT;
    k->fsynr1 = (t->write ? FSYNR1_AWRITE : 0) | (t->privileged ? FSYNR1_APRIV : 0) |
                (t->instr ? FSYNR1_AINST : 0);
}

static bool fault_stalls(const struct smmu *s, unsigned bank)
{
    return (s->bank[bank].actlr & ACTLR_CFCFG) && !(s->cr & CR_STALLD);
}

static bool fault_interrupts(const struct smmu *s, unsigned bank)
{
    return s->bank[bank].actlr & ACTLR_CFEIE;
}

/* Timed context fault with FSR bits `bits`, known at time `at`: stall or terminate,
 * then interrupt. */
static void context_fault_bits(struct smmu *s, unsigned bank, struct smmu_txn *t,
                               uint32_t bits, sim_time_t at)
{
    struct smmu_bank *k = &s->bank[bank];

    record_context_fault(s, bank, t, bits);
    t->fsr = bits;
    if (fault_stalls(s, bank)) {
        k->stats.stalls++;
        k->fsr |= FSR_SS;
        t->state = TXN_STALLED;
        txn_list_append(&k->stalled_head, &k->stalled_tail, t);
        SMMU_OBSERVE(s, .ev = SMMU_EV_STALL, .bank = bank, .txn = t);
    } else {
        k->stats.terminated++;
        terminate_at(t, SMMU_FAULTED, at);
    }
    if (fault_interrupts(s, bank))
        sim_schedule(at - sim_now(), irq_event, s);
}

static void context_fault(struct smmu *s, unsigned bank, struct smmu_txn *t,
                          enum walk_fault f, unsigned level, sim_time_t at)
{
    context_fault_bits(s, bank, t, fault_fsr_bits(f, level), at);
}

/* ---- Walks ----------------------------------------------------------------------- */

static struct smmu_walk *walk_get(struct smmu *s)
{
    struct smmu_walk *w = s->free_walks;

    if (w)
        s->free_walks = w->next;
    else if (!(w = malloc(sizeof(*w)))) {
        fprintf(stderr, "iommusim: out of host memory for an SMMU walk\n");
        abort();
    }
    memset(w, 0, sizeof(*w));
    return w;
}

static void walk_unlink(struct smmu *s, struct smmu_walk *w)
{
    for (struct smmu_walk **p = &s->walks; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            break;
        }
    }
    w->next = s->free_walks;
    s->free_walks = w;
    s->walks_in_flight--;
}

static struct smmu_walk *walk_find(struct smmu *s, unsigned bank, uint8_t vmid, uint32_t va)
{
    for (struct smmu_walk *w = s->walks; w; w = w->next)
        if (w->bank == bank && w->vmid == vmid && w->page == (va >> 12))
            return w;
    return NULL;
}

/* Completes one transaction that waited for a walk (timed). */
static void walk_waiter_done(struct smmu *s, unsigned bank, const struct walk_result *r,
                             struct smmu_txn *t)
{
    struct smmu_bank *k = &s->bank[bank];

    if (!r->have_entry) {
        context_fault(s, bank, t, r->fault, r->level, sim_now());
        return;
    }
    enum walk_fault f = check_fault(pte_check_access(&r->entry.attrs, txn_access(t),
                                                     k->sctlr & SCTLR_AFE));
    if (f != WALK_OK) {
        context_fault(s, bank, t, f, r->level, sim_now());
        return;
    }
    t->pa = entry_pa(&r->entry, t->iova);
    forward_data(s, t, sim_now());
}

static void drain_blocked(struct smmu *s)
{
    while (s->blocked_head && s->walks_in_flight == 0) {
        struct smmu_txn *t = s->blocked_head;
        s->blocked_head = t->next;
        if (!s->blocked_head)
            s->blocked_tail = NULL;
        lookup(s, t, t->ctx);
    }
}

static void walk_done(struct walk_job *job)
{
    struct smmu_walk *w = job->owner;
    struct smmu *s = w->smmu;
    struct smmu_bank *k = &s->bank[w->bank];
    const struct walk_result *r = &job->result;

    k->stats.desc_reads += r->mem_reads;
    smmu_maint_apply_due(&s->maint, sim_now());     /* operations before the fill */
    if (r->have_entry && may_cache(k, &r->entry)) {
        struct tlb_entry e = r->entry;
        e.vmid = w->vmid;
        e.asid = w->asid;
        tlb_fill(s->tlb, &e);
        SMMU_OBSERVE(s, .ev = SMMU_EV_TLB_FILL, .bank = w->bank);
    }
    /* Waiters may start new walks, which can reuse w: keep what they need. */
    const struct walk_result res = *r;
    unsigned bank = w->bank;
    struct smmu_txn *t = w->waiters, *next;
    walk_unlink(s, w);
    for (; t; t = next) {
        next = t->next;
        walk_waiter_done(s, bank, &res, t);
    }
    drain_blocked(s);
}

static void start_walk(struct smmu *s, struct smmu_txn *t, unsigned bank, uint8_t vmid, uint8_t asid)
{
    struct smmu_walk *w = walk_get(s);

    w->smmu = s;
    w->bank = bank;
    w->vmid = vmid;
    w->asid = asid;
    w->page = t->iova >> 12;
    w->waiters = t;
    t->next = NULL;
    w->waiters_tail = &t->next;
    bank_walk_regs(&s->bank[bank], &w->job.regs);
    w->job.va = t->iova;
    w->job.access = txn_access(t);
    w->job.done = walk_done;
    w->job.owner = w;
    w->next = s->walks;
    s->walks = w;
    s->walks_in_flight++;
    s->bank[bank].stats.walks++;
    walker_start(s->walker, &w->job);
}

/* ---- The timed path -------------------------------------------------------------- */

/* The busy periods are over (or moved on): the waiting lookups go, in arrival order. */
static void maint_wake(void *arg)
{
    struct smmu *s = arg;
    sim_time_t now = sim_now();
    sim_time_t ready = smmu_maint_ready(&s->maint, now);

    if (ready > now) {      /* operations arrived meanwhile, back to back */
        sim_schedule(ready - now, maint_wake, s);
        return;
    }
    s->maint_wake_pending = false;
    struct smmu_txn *t = s->maint_head, *next;
    s->maint_head = s->maint_tail = NULL;
    for (; t; t = next) {
        next = t->next;
        smmu_maint_note_delay(&s->maint, t->translated, now);
        t->translated = 0;
        lookup(s, t, t->ctx);
    }
}

/* A lookup that must wait until `ready` for TLB maintenance (t->translated: since when). */
static void maint_wait(struct smmu *s, struct smmu_txn *t, sim_time_t ready)
{
    t->state = TXN_MAINT_WAIT;
    t->translated = sim_now();
    txn_list_append(&s->maint_head, &s->maint_tail, t);
    if (!s->maint_wake_pending) {
        s->maint_wake_pending = true;
        sim_schedule(ready - sim_now(), maint_wake, s);
    }
}

/* TLB lookup for a routed, translating transaction at sim_now(). */
static void lookup(struct smmu *s, struct smmu_txn *t, unsigned bank)
{
    struct smmu_bank *k = &s->bank[bank];
    uint8_t vmid = mid_vmid(s, t->mid);
    uint8_t asid = bank_asid(s, bank);
    sim_time_t at = sim_now() + s->lookup_time;
    sim_time_t ready = smmu_maint_ready(&s->maint, sim_now());
    unsigned matches;

    if (ready > sim_now() || s->maint_head) {
        maint_wait(s, t, ready);
        return;
    }
    if (!s->cfg.hit_under_miss && s->walks_in_flight) {
        t->state = TXN_BLOCKED;
        txn_list_append(&s->blocked_head, &s->blocked_tail, t);
        return;
    }
    t->state = TXN_LOOKUP;
    const struct tlb_entry *e = tlb_lookup_matches(s->tlb, vmid, asid, t->iova, &matches);
    if (e) {
        k->stats.hits++;
        t->tlb_hit = true;
        if (matches > 1) {
            context_fault_bits(s, bank, t, FSR_MHF, at);
            return;
        }
        enum walk_fault f = check_fault(pte_check_access(&e->attrs, txn_access(t),
                                                         k->sctlr & SCTLR_AFE));
        if (f != WALK_OK) {
            context_fault(s, bank, t, f, e->size <= PAGE_64K ? 2 : 1, at);
            return;
        }
        t->pa = entry_pa(e, t->iova);
        forward_data(s, t, at);
        return;
    }
    k->stats.misses++;
    if (!walks_on_miss(k)) {
        context_fault_bits(s, bank, t, FSR_TLBMF, at);
        return;
    }
    struct smmu_walk *w = walk_find(s, bank, vmid, t->iova);
    if (w) {
        k->stats.merged_misses++;
        t->next = NULL;
        *w->waiters_tail = t;
        w->waiters_tail = &t->next;
        return;
    }
    start_walk(s, t, bank, vmid, asid);
}

/* Routing: returns the bank, or -1 after handling a global fault or a bypass. */
static int route(struct smmu *s, struct smmu_txn *t, bool timed)
{
    if (t->mid >= s->cfg.nmids || mid_bank(s, t->mid) >= s->cfg.nbanks) {
        global_fault(s, t);
        if (timed) {
            terminate_at(t, SMMU_GLOBAL_FAULTED, sim_now());
            sim_schedule(0, irq_event, s);
        } else {
            t->status = SMMU_GLOBAL_FAULTED;
        }
        return -1;
    }
    unsigned bank = mid_bank(s, t->mid);
    t->ctx = bank;
    if ((s->cr & CR_CLIENTPD) || !(s->bank[bank].sctlr & SCTLR_M)) {
        s->bank[bank].stats.bypassed++;
        t->bypassed = true;
        t->pa = t->iova;
        if (timed)
            forward_data(s, t, sim_now());
        else
            t->status = SMMU_DONE;
        return -1;
    }
    s->bank[bank].stats.translations++;
    return (int)bank;
}

static void txn_begin(struct smmu *s, struct smmu_txn *t)
{
    s->stats.transactions++;
    t->issued = sim_now();
    t->translated = t->completed = 0;
    t->status = SMMU_DONE;
    t->tlb_hit = t->bypassed = false;
    t->fsr = 0;
    t->pa = 0;
    t->next = NULL;
}

void smmu_submit(struct smmu *s, struct smmu_txn *t)
{
    txn_begin(s, t);
    int bank = route(s, t, true);
    if (bank < 0)
        return;
    if (!s->walker) {
        fprintf(stderr, "iommusim: SMMU %s has no walk port; use smmu_access for the functional path\n",
                s->name);
        terminate_at(t, SMMU_FAULTED, sim_now());
        return;
    }
    lookup(s, t, (unsigned)bank);
}

/* RESUME for a timed stall: retry walks or terminate, every stalled transaction. */
static void resume_timed(struct smmu *s, unsigned bank, struct smmu_txn *t, bool terminate)
{
    struct smmu_bank *k = &s->bank[bank];

    SMMU_OBSERVE(s, .ev = SMMU_EV_RESUME, .bank = bank, .txn = t, .terminate = terminate);
    if (terminate) {
        k->stats.terminated++;
        terminate_at(t, SMMU_FAULTED, sim_now());
        return;
    }
    k->stats.retries++;
    t->fsr = 0;
    if (!walks_on_miss(&s->bank[bank])) {   /* no walk to retry: the miss faults again */
        context_fault_bits(s, bank, t, FSR_TLBMF, sim_now());
        return;
    }
    uint8_t vmid = mid_vmid(s, t->mid);
    t->state = TXN_LOOKUP;
    start_walk(s, t, bank, vmid, bank_asid(s, bank));
}

static void write_resume(struct smmu *s, unsigned bank, uint32_t v)
{
    struct smmu_bank *k = &s->bank[bank];
    struct smmu_txn *t = k->stalled_head, *next;
    bool terminate = v & RESUME_TNR;

    if (!t)
        return;
    k->stalled_head = k->stalled_tail = NULL;
    k->fsr &= ~FSR_SS;
    for (; t; t = next) {
        next = t->next;
        if (t->state == TXN_STALLED_FUNC)
            t->state = terminate ? TXN_RESUME_TERM : TXN_RESUME_RETRY;
        else
            resume_timed(s, bank, t, terminate);
    }
}

/* ---- The functional path --------------------------------------------------------- */

enum smmu_status smmu_access(struct smmu *s, struct smmu_txn *t)
{
    smmu_maint_settle_untimed(&s->maint);   /* no time: every write has arrived */
    txn_begin(s, t);
    int b = route(s, t, false);
    if (b < 0)
        return t->status;
    unsigned bank = (unsigned)b;
    struct smmu_bank *k = &s->bank[bank];
    uint8_t vmid = mid_vmid(s, t->mid);
    unsigned access = txn_access(t);
    bool retry = false;

    for (unsigned attempt = 0; attempt <= SMMU_FUNCTIONAL_MAX_RETRIES; attempt++) {
        uint8_t asid = bank_asid(s, bank);
        bool afe = k->sctlr & SCTLR_AFE;
        struct walk_result r;
        enum walk_fault f = WALK_OK;
        unsigned level = 0, matches = 0;
        uint32_t bits = 0;      /* the SMMU's own faults: MHF, TLBMF */

        const struct tlb_entry *e = retry ? NULL :
                                    tlb_lookup_matches(s->tlb, vmid, asid, t->iova, &matches);
        if (e) {
            k->stats.hits++;
            t->tlb_hit = true;
            f = check_fault(pte_check_access(&e->attrs, access, afe));
            level = e->size <= PAGE_64K ? 2 : 1;
            if (matches > 1)
                bits = FSR_MHF;
            else if (f == WALK_OK) {
                t->pa = entry_pa(e, t->iova);
                t->fsr = 0;     /* an earlier attempt's fault was retried away */
                return t->status = SMMU_DONE;
            }
        } else if (!walks_on_miss(k)) {
            if (!retry)
                k->stats.misses++;
            bits = FSR_TLBMF;
        } else {
            if (!retry)
                k->stats.misses++;
            struct walk_regs regs;
            bank_walk_regs(k, &regs);
            walker_walk(s->pm, &regs, t->iova, access, &r);
            k->stats.walks++;
            k->stats.desc_reads += r.desc_reads;
            if (r.have_entry && may_cache(k, &r.entry)) {
                struct tlb_entry fill = r.entry;
                fill.vmid = vmid;
                fill.asid = asid;
                tlb_fill(s->tlb, &fill);
            }
            f = r.fault;
            level = r.level;
            if (f == WALK_OK) {
                t->pa = r.pa;
                t->fsr = 0;
                return t->status = SMMU_DONE;
            }
        }

        if (!bits)
            bits = fault_fsr_bits(f, level);
        record_context_fault(s, bank, t, bits);
        t->fsr = bits;
        if (!fault_stalls(s, bank)) {
            k->stats.terminated++;
            if (fault_interrupts(s, bank))
                raise_irq(s);
            return t->status = SMMU_FAULTED;
        }
        k->stats.stalls++;
        k->fsr |= FSR_SS;
        t->state = TXN_STALLED_FUNC;
        txn_list_append(&k->stalled_head, &k->stalled_tail, t);
        if (fault_interrupts(s, bank))
            raise_irq(s);
        if (t->state == TXN_STALLED_FUNC)
            return t->status = SMMU_STALLED;
        if (t->state == TXN_RESUME_TERM) {
            k->stats.terminated++;
            t->state = TXN_IDLE;
            return t->status = SMMU_FAULTED;
        }
        k->stats.retries++;
        t->state = TXN_IDLE;
        retry = true;
    }
    k->stats.terminated++;
    return t->status = SMMU_FAULTED;
}

/* ---- V2P ------------------------------------------------------------------------- */

static void v2p(struct smmu *s, unsigned bank, uint32_t va, unsigned access)
{
    struct smmu_bank *k = &s->bank[bank];

    if (!(k->sctlr & SCTLR_M) || (s->cr & CR_CLIENTPD)) {
        k->par = va & PAR_PA_MASK;
        k->v2psr = 0;
        return;
    }
    smmu_maint_settle(&s->maint);       /* the operations written before it */
    const struct tlb_entry *e = tlb_probe(s->tlb, bank_vmid(s, bank), bank_asid(s, bank), va);
    k->v2psr = e ? V2PSR_HIT : 0;

    struct walk_regs regs;
    struct walk_result r;
    bank_walk_regs(k, &regs);
    walker_walk(s->pm, &regs, va, access, &r);
    if (r.fault != WALK_OK) {
        /* the FSR bits at their FSR places, SL (bit 16) included */
        k->par = PAR_FAULT | (fault_fsr_bits(r.fault, r.level) & PAR_FAULT_FSR_MASK);
        return;
    }
    k->par = (r.pa & PAR_PA_MASK) | (r.entry.size == PAGE_16M ? PAR_NOFAULT_SS : 0) |
             smmu_par_attrs(&r.entry.attrs, k->sctlr & SCTLR_TRE, k->prrr, k->nmrr);
}

/* ---- Registers ------------------------------------------------------------------- */

static uint32_t tlbtr_read(struct smmu *s, unsigned which)
{
    struct tlb_entry e;
    unsigned idx = s->tlbrsw & TLBRSW_INDEX_MASK;

    smmu_maint_settle(&s->maint);

    if (!tlb_read_entry(s->tlb, idx, &e))
        return 0;
    switch (which) {
    case 0: {
        struct pte_attrs a = e.attrs;
        bool ro = a.ap & PTE_AP_AP2, user = a.ap & PTE_AP_AP1;
        return TLBTR0_PR | (ro ? 0 : TLBTR0_PW) | (user ? TLBTR0_UR : 0) |
               (user && !ro ? TLBTR0_UW : 0) | (a.xn ? TLBTR0_XN : 0) |
               (a.ns ? TLBTR0_NSDESC : 0) | ((uint32_t)e.size << TLBTR0_DPSIZR_SHIFT);
    }
    case 1:
        return (e.vmid & TLBTR1_VMID_MASK) | (e.pa & 0xFFFFF000u);
    default:
        return (e.asid & TLBTR2_ASID_MASK) | TLBTR2_V | (e.attrs.ng ? TLBTR2_NV : 0) |
               (e.va & 0xFFFFF000u);
    }
}

static uint32_t idr_value(const struct smmu *s)
{
    unsigned log2 = 0;
    while ((2u << log2) <= s->cfg.tlb.entries && log2 < IDR_TLBSIZE_MASK)
        log2++;
    return ((s->cfg.nmids - 1) & IDR_NM2VCBMT_MASK) | IDR_HTW |
           (log2 << IDR_TLBSIZE_SHIFT) |
           (((s->cfg.nbanks - 1) & IDR_NCB_MASK) << IDR_NCB_SHIFT);
}

static uint32_t global_read(struct smmu *s, uint32_t off)
{
    if (off >= SMMU_M2VCBR_N(0) && off < SMMU_M2VCBR_N(SMMU_MAX_MIDS))
        return s->m2vcbr[(off - SMMU_M2VCBR_N(0)) / 4];
    if (off >= SMMU_CBACR_N(0) && off < SMMU_CBACR_N(SMMU_MAX_CTX))
        return s->cbacr[(off - SMMU_CBACR_N(0)) / 4];
    switch (off) {
    case SMMU_TLBRSW:   return s->tlbrsw;
    case SMMU_TLBTR0:   return tlbtr_read(s, 0);
    case SMMU_TLBTR1:   return tlbtr_read(s, 1);
    case SMMU_TLBTR2:   return tlbtr_read(s, 2);
    case SMMU_CR:       return s->cr;
    case SMMU_EAR:      return s->ear;
    case SMMU_ESR:      return s->esr;
    case SMMU_ESYNR0:   return s->esynr0;
    case SMMU_ESYNR1:   return s->esynr1;
    case SMMU_REV:      return 0x10;    /* major 1, minor 0 */
    case SMMU_IDR:      return idr_value(s);
    }
    s->unknown_mmio++;
    return 0;
}

static void global_write(struct smmu *s, uint32_t off, uint32_t v, sim_time_t at)
{
    if (off >= SMMU_M2VCBR_N(0) && off < SMMU_M2VCBR_N(SMMU_MAX_MIDS)) {
        s->m2vcbr[(off - SMMU_M2VCBR_N(0)) / 4] = v;
        return;
    }
    if (off >= SMMU_CBACR_N(0) && off < SMMU_CBACR_N(SMMU_MAX_CTX)) {
        s->cbacr[(off - SMMU_CBACR_N(0)) / 4] = v;
        return;
    }
    switch (off) {
    case SMMU_TLBRSW:           s->tlbrsw = v; return;
    case SMMU_GLOBAL_TLBIALL:
        smmu_maint_post(&s->maint, SMMU_OP_GLOBAL_TLBIALL, 0, 0, 0, at);
        return;
    case SMMU_TLBIVMID:
        smmu_maint_post(&s->maint, SMMU_OP_TLBIVMID, v & TLBIVMID_VMID_MASK, 0, 0, at);
        return;
    case SMMU_CR:               s->cr = v; return;
    case SMMU_EAR:              s->ear = v; return;
    case SMMU_ESR:              s->esr &= ~v; return;           /* write one to clear */
    case SMMU_ESRRESTORE:       s->esr = v; return;
    case SMMU_ESYNR0:           s->esynr0 = v; return;
    case SMMU_ESYNR1:           s->esynr1 = v; return;
    }
    s->unknown_mmio++;
}

static uint32_t bank_read(struct smmu *s, unsigned bank, uint32_t reg)
{
    const struct smmu_bank *k = &s->bank[bank];

    switch (reg) {
    case SMMU_SCTLR:        return k->sctlr;
    case SMMU_ACTLR:        return k->actlr;
    case SMMU_CONTEXTIDR:   return k->contextidr;
    case SMMU_TTBR0:        return k->ttbr0;
    case SMMU_TTBR1:        return k->ttbr1;
    case SMMU_TTBCR:        return k->ttbcr;
    case SMMU_PAR:          return k->par;
    case SMMU_FSR:          return k->fsr;
    case SMMU_FAR:          return k->far;
    case SMMU_FSYNR0:       return k->fsynr0;
    case SMMU_FSYNR1:       return k->fsynr1;
    case SMMU_PRRR:         return k->prrr;
    case SMMU_NMRR:         return k->nmrr;
    case SMMU_TLBLCKR:      return k->tlblckr;
    case SMMU_V2PSR:        return k->v2psr;
    case SMMU_BFBCR:        return k->bfbcr;
    }
    s->unknown_mmio++;
    return 0;
}

static void write_tlblckr(struct smmu *s, unsigned bank, uint32_t v)
{
    if (!(s->cr & CR_TLBLKCRWE))
        return;         /* writes are gated by CR.TLBLKCRWE */
    smmu_maint_settle(&s->maint);       /* the floor applies after earlier operations */
    unsigned floor = (v >> TLBLCKR_FLOOR_SHIFT) & TLBLCKR_FLOOR_MASK;
    unsigned victim = (v >> TLBLCKR_VICTIM_SHIFT) & TLBLCKR_VICTIM_MASK;
    if (tlb_set_lockdown(s->tlb, v & TLBLCKR_LKE, floor, victim) == 0)
        s->bank[bank].tlblckr = v;
}

static void bank_write(struct smmu *s, unsigned bank, uint32_t reg, uint32_t v, sim_time_t at)
{
    struct smmu_bank *k = &s->bank[bank];
    uint8_t vmid = bank_vmid(s, bank);

    switch (reg) {
    case SMMU_SCTLR:        k->sctlr = v; return;
    case SMMU_ACTLR:        k->actlr = v; return;
    case SMMU_CONTEXTIDR:   k->contextidr = v; return;
    case SMMU_TTBR0:        k->ttbr0 = v; return;
    case SMMU_TTBR1:        k->ttbr1 = v; return;
    case SMMU_TTBCR:        k->ttbcr = v; return;
    case SMMU_PAR:          k->par = v; return;
    /* FSR is write-one-to-clear; SS is cleared only by RESUME */
    case SMMU_FSR:          k->fsr &= ~(v & (FSR_FAULT_MASK | FSR_MULTI)); return;
    case SMMU_FSRRESTORE:   k->fsr = v & FSR_DEFINED_MASK; return;
    case SMMU_FAR:          k->far = v; return;
    case SMMU_FSYNR0:       k->fsynr0 = v; return;
    case SMMU_FSYNR1:       k->fsynr1 = v; return;
    case SMMU_PRRR:         k->prrr = v; return;
    case SMMU_NMRR:         k->nmrr = v; return;
    case SMMU_TLBLCKR:      write_tlblckr(s, bank, v); return;
    case SMMU_BFBCR:        k->bfbcr = v & BFBCR_DEFINED_MASK; return;
    case SMMU_CTX_TLBIALL:
        smmu_maint_post(&s->maint, SMMU_OP_CTX_TLBIALL, vmid, 0, 0, at);
        return;
    case SMMU_TLBIASID:
        smmu_maint_post(&s->maint, SMMU_OP_TLBIASID, vmid, v & TLBIASID_ASID_MASK, 0, at);
        return;
    case SMMU_TLBIVA:
        smmu_maint_post(&s->maint, SMMU_OP_TLBIVA, vmid, v & TLBIVA_ASID_MASK,
                        v & TLBIVA_VA_MASK, at);
        return;
    case SMMU_TLBIVAA:
        smmu_maint_post(&s->maint, SMMU_OP_TLBIVAA, vmid, 0, v & TLBIVA_VA_MASK, at);
        return;
    case SMMU_V2PPR:        v2p(s, bank, v, ACCESS_PRIV); return;
    case SMMU_V2PPW:        v2p(s, bank, v, ACCESS_PRIV | ACCESS_WRITE); return;
    case SMMU_V2PUR:        v2p(s, bank, v, 0); return;
    case SMMU_V2PUW:        v2p(s, bank, v, ACCESS_WRITE); return;
    case SMMU_RESUME:       write_resume(s, bank, v); return;
    }
    s->unknown_mmio++;
}

uint32_t smmu_mmio_read(struct smmu *s, uint32_t offset)
{
    if (offset & 3u || offset >= SMMU_WINDOW_SIZE) {
        s->unknown_mmio++;
        return 0;
    }
    if (offset >= SMMU_M2VCBR_N(0))
        return global_read(s, offset);
    unsigned bank = offset >> SMMU_CTX_SHIFT;
    if (bank >= s->cfg.nbanks) {
        s->unknown_mmio++;
        return 0;
    }
    return bank_read(s, bank, offset & ((1u << SMMU_CTX_SHIFT) - 1));
}

void smmu_mmio_write(struct smmu *s, uint32_t offset, uint32_t value)
{
    smmu_mmio_write_at(s, offset, value, sim_now());
}

void smmu_mmio_write_at(struct smmu *s, uint32_t offset, uint32_t value, sim_time_t at)
{
    if (offset & 3u || offset >= SMMU_WINDOW_SIZE) {
        s->unknown_mmio++;
        return;
    }
    if (offset >= SMMU_M2VCBR_N(0)) {
        global_write(s, offset, value, at);
        return;
    }
    unsigned bank = offset >> SMMU_CTX_SHIFT;
    if (bank >= s->cfg.nbanks) {
        s->unknown_mmio++;
        return;
    }
    bank_write(s, bank, offset & ((1u << SMMU_CTX_SHIFT) - 1), value, at);
}
