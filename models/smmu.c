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
 * The register file, V2P and the MMIO entry points are in models/smmu_mmio.c; the
 * state both files share is in models/smmu_priv.h.
 *
 * Model choices the hardware documents leave open are listed in docs/smmu.md:
 * unrouted MIDs (M2VCBR.CBNDX = 0xFF), the bank's VMID for TLB maintenance
 * (CBACR.CBVMID), RESUME acting on every stalled transaction of the bank, FSR.SS
 * cleared only by RESUME, IDR.TLBSIZE = log2(entries).
 */
#include "models/smmu.h"
#include "models/smmu_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/pte.h"
#include "models/smmu_attr.h"
#include "models/smmu_regs.h"
#include "sim/core/util.h"

static void lookup(struct smmu *s, struct smmu_txn *t, unsigned bank);


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

uint8_t smmu_bank_vmid(const struct smmu *s, unsigned bank)
{
    return (s->cbacr[bank] >> CBACR_CBVMID_SHIFT) & CBACR_CBVMID_MASK;
}

uint8_t smmu_bank_asid(const struct smmu *s, unsigned bank)
{
    return s->bank[bank].contextidr & CONTEXTIDR_ASID_MASK;
}

void smmu_bank_walk_regs(const struct smmu_bank *k, struct walk_regs *r)
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

uint32_t smmu_fault_fsr_bits(enum walk_fault f, unsigned level)
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
    context_fault_bits(s, bank, t, smmu_fault_fsr_bits(f, level), at);
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
    /* a copy of a zero template: gcc clears a struct this size with `rep stos`,
     * whose start-up cost is most of a short clear */
    static const struct smmu_walk zero_walk;

    *w = zero_walk;
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
    smmu_bank_walk_regs(&s->bank[bank], &w->job.regs);
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
    uint8_t asid = smmu_bank_asid(s, bank);
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
    t->ctx = 0;
    t->next = NULL;
    t->state = TXN_IDLE;
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
    start_walk(s, t, bank, vmid, smmu_bank_asid(s, bank));
}

void smmu_write_resume(struct smmu *s, unsigned bank, uint32_t v)
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
        uint8_t asid = smmu_bank_asid(s, bank);
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
            smmu_bank_walk_regs(k, &regs);
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
            bits = smmu_fault_fsr_bits(f, level);
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

