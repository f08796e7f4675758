/*
 * walker.c - the ARMv7 short-descriptor page-table walker (see walker.h and
 * docs/walker.md).
 *
 * One decoder serves both walkers. walk_begin() picks the translation table and
 * returns the address of the L1 descriptor; walk_step() consumes one descriptor
 * word and either returns the address of the next one (an L1 page-table entry leads
 * to an L2 read) or ends the walk with a fault or a decoded entry. The functional
 * walker feeds it words read from physmem at once; the timed walker feeds it the
 * word physmem holds when each descriptor read completes through the memory port,
 * so a table that software changes while a read is in flight is seen as the
 * hardware would see it.
 */
#include "models/walker.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "models/l2cache.h"
#include "sim/core/stats.h"

/* TTBCR.N is a 3-bit field. */
#define TTBCR_N_MASK        7u

/* TTBR1's table is always 16 KiB aligned and indexed by the full VA[31:20]. */
#define TTBR1_BASE_MASK     0xFFFFC000u

#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- Table selection ---------------------------------------------------------- */

/*
 * With N > 0, TTBR0 translates VA < 2^(32-N) through a table of 4096 >> N entries,
 * aligned to its size 2^(14-N), and TTBR1 the rest through a full 16 KiB table.
 */
static bool walk_uses_ttbr0(unsigned n, uint32_t va)
{
    return n == 0 || (va >> (32u - n)) == 0;
}

bool walk_table_base(const struct walk_regs *regs, uint32_t va, uint32_t *l1_base)
{
    unsigned n = regs->n & TTBCR_N_MASK;

    if (walk_uses_ttbr0(n, va)) {
        if (regs->pd0)
            return false;
        *l1_base = regs->ttbr0 & ~((1u << (14u - n)) - 1u);
    } else {
        if (regs->pd1)
            return false;
        *l1_base = regs->ttbr1 & TTBR1_BASE_MASK;
    }
    return true;
}

/*
 * TTBR0/TTBR1 attribute bits (ARMv7 with the Multiprocessing Extensions, as the SMMU
 * header [G] lays them out: IRGN[1] in bit 0, IRGN[0] in bit 6).
 */
#define TTBR_ATTR_IRGN1     (1u << 0)
#define TTBR_ATTR_S         (1u << 1)
#define TTBR_ATTR_NOS       (1u << 5)
#define TTBR_ATTR_IRGN0     (1u << 6)

bool walk_table_cacheable(const struct walk_regs *regs, uint32_t va)
{
    uint32_t ttbr = walk_uses_ttbr0(regs->n & TTBCR_N_MASK, va) ? regs->ttbr0 : regs->ttbr1;

    if (!(ttbr & (TTBR_ATTR_IRGN0 | TTBR_ATTR_IRGN1)))
        return false;                   /* IRGN = 00: inner non-cacheable */
    if (!(ttbr & TTBR_ATTR_S))
        return regs->rcnsh;
    return (ttbr & TTBR_ATTR_NOS) ? regs->rcish : regs->rcosh;
}

/*
 * A TTBR0 VA is below 2^(32-N), so VA[31:20] equals the index VA[31-N:20] of the
 * smaller table; a TTBR1 VA indexes its full table with VA[31:20].
 */
static uint32_t walk_l1_desc_addr(uint32_t l1_base, uint32_t va)
{
    return l1_base | (PTE_L1_INDEX(va) << 2);
}

static uint32_t walk_l2_desc_addr(uint32_t l1_desc, uint32_t va)
{
    return (l1_desc & PTE_L1_TABLE_BASE_MASK) | (PTE_L2_INDEX(va) << 2);
}

/* ---- Decoding ----------------------------------------------------------------- */

static uint8_t ap_bits(uint32_t d, uint32_t ap0, uint32_t ap1, uint32_t ap2)
{
    return (uint8_t)(((d & ap0) ? PTE_AP_AP0 : 0) | ((d & ap1) ? PTE_AP_AP1 : 0) |
                     ((d & ap2) ? PTE_AP_AP2 : 0));
}

/* Sections and supersections share their attribute bits. */
static void decode_section_attrs(uint32_t d, struct pte_attrs *a)
{
    a->ap = ap_bits(d, PTE_SECT_AP0, PTE_SECT_AP1, PTE_SECT_AP2);
    a->tex = (uint8_t)((d & PTE_SECT_TEX_MASK) >> PTE_SECT_TEX_SHIFT);
    a->xn = d & PTE_SECT_XN;
    a->ng = d & PTE_SECT_NG;
    a->ns = d & PTE_SECT_NS;
    a->s = d & PTE_SECT_S;
    a->b = d & PTE_SECT_B;
    a->c = d & PTE_SECT_C;
}

/* L2 pages take NS from the L1 page-table descriptor that points to their table. */
static void decode_l2_attrs(uint32_t d, uint32_t l1_desc, bool large, struct pte_attrs *a)
{
    a->ap = ap_bits(d, PTE_L2_AP0, PTE_L2_AP1, PTE_L2_AP2);
    if (large) {
        a->tex = (uint8_t)((d & PTE_LARGE_TEX_MASK) >> PTE_LARGE_TEX_SHIFT);
        a->xn = d & PTE_LARGE_XN;
    } else {
        a->tex = (uint8_t)((d & PTE_SMALL_TEX_MASK) >> PTE_SMALL_TEX_SHIFT);
        a->xn = d & PTE_SMALL_XN;
    }
    a->ng = d & PTE_L2_NG;
    a->ns = l1_desc & PTE_L1_TABLE_NS;
    a->s = d & PTE_L2_S;
    a->b = d & PTE_L2_B;
    a->c = d & PTE_L2_C;
}

/*
 * A leaf was found: fill the entry (VA and PA aligned to the page size) and the
 * translated PA, then check the access against its permissions. A supersection or
 * large page is taken from the one entry the VA indexes; the other 15 copies that
 * software must write are not read.
 */
static void walk_leaf(struct walk_result *out, unsigned level, enum page_size size,
                      uint32_t base_mask, uint32_t desc, uint32_t va,
                      unsigned access, bool afe)
{
    uint32_t off = page_bytes(size) - 1u;

    out->level = level;
    out->have_entry = true;
    out->entry.size = size;
    out->entry.va = va & ~off;
    out->entry.pa = desc & base_mask;
    out->pa = out->entry.pa | (va & off);

    switch (pte_check_access(&out->entry.attrs, access, afe)) {
    case PTE_OK:
        out->fault = WALK_OK;
        break;
    case PTE_ACCESS_FLAG_FAULT:
        out->fault = WALK_ACCESS_FLAG;
        break;
    case PTE_PERMISSION_FAULT:
    default:
        out->fault = WALK_PERMISSION;
        break;
    }
}

static void walk_fail(struct walk_result *out, enum walk_fault fault, unsigned level)
{
    out->fault = fault;
    out->level = level;
}

static bool walk_l1(struct walk_result *out, uint32_t d, uint32_t va, unsigned access,
                    bool afe, uint32_t *next_addr)
{
    switch (d & PTE_L1_TYPE_MASK) {
    case PTE_L1_TYPE_TABLE:
        *next_addr = walk_l2_desc_addr(d, va);
        return true;
    case PTE_L1_TYPE_SECT:
        decode_section_attrs(d, &out->entry.attrs);
        /* Supersection base bits [23:20] and [8:5] extend the PA past 32 bits: unused. */
        if (d & PTE_SECT_SUPER)
            walk_leaf(out, 1, PAGE_16M, PTE_SSECT_BASE_MASK, d, va, access, afe);
        else
            walk_leaf(out, 1, PAGE_1M, PTE_SECT_BASE_MASK, d, va, access, afe);
        return false;
    default:    /* 0b00 fault, 0b11 reserved */
        walk_fail(out, WALK_TRANSLATION_L1, 1);
        return false;
    }
}

static bool walk_l2(struct walk_result *out, uint32_t d, uint32_t va, unsigned access,
                    bool afe)
{
    uint32_t l1_desc = out->desc[0];

    switch (d & PTE_L2_TYPE_MASK) {
    case PTE_L2_TYPE_FAULT:
        walk_fail(out, WALK_TRANSLATION_L2, 2);
        break;
    case PTE_L2_TYPE_LARGE:
        decode_l2_attrs(d, l1_desc, true, &out->entry.attrs);
        walk_leaf(out, 2, PAGE_64K, PTE_LARGE_BASE_MASK, d, va, access, afe);
        break;
    default:    /* 0b1x: small page, bit 0 is XN */
        decode_l2_attrs(d, l1_desc, false, &out->entry.attrs);
        walk_leaf(out, 2, PAGE_4K, PTE_SMALL_BASE_MASK, d, va, access, afe);
        break;
    }
    return false;
}

/*
 * Starts a walk: clears the result and returns true with the L1 descriptor's
 * address, or false when PD0/PD1 ends the walk before any read.
 */
static bool walk_begin(const struct walk_regs *regs, uint32_t va, struct walk_result *out,
                       uint32_t *addr)
{
    static const struct walk_result zero_result;   /* a copy, not `rep stos` (master.c) */
    uint32_t l1_base;

    *out = zero_result;
    if (!walk_table_base(regs, va, &l1_base)) {
        walk_fail(out, WALK_TRANSLATION_L1, 1);
        return false;
    }
    *addr = walk_l1_desc_addr(l1_base, va);
    out->desc_addr[0] = *addr;
    return true;
}

/*
 * Consumes the descriptor word read from out->desc_addr[out->desc_reads]. Returns
 * true with the address of the next descriptor to read, false when the walk ended.
 */
static bool walk_step(const struct walk_regs *regs, uint32_t va, unsigned access,
                      struct walk_result *out, uint32_t desc, uint32_t *next_addr)
{
    unsigned level = ++out->desc_reads;

    out->desc[level - 1] = desc;
    if (level == 1) {
        if (!walk_l1(out, desc, va, access, regs->afe, next_addr))
            return false;
        out->desc_addr[1] = *next_addr;
        return true;
    }
    return walk_l2(out, desc, va, access, regs->afe);
}

void walker_walk(const struct physmem *pm, const struct walk_regs *regs, uint32_t va,
                 unsigned access, struct walk_result *out)
{
    uint32_t addr;

    if (!walk_begin(regs, va, out, &addr))
        return;
    while (walk_step(regs, va, access, out, physmem_read32(pm, addr), &addr))
        ;
    out->mem_reads = out->desc_reads;
}

/* ---- Timed walker ----------------------------------------------------------------- */

enum walk_job_state {
    WALK_JOB_QUEUED = 1,
    WALK_JOB_READING,
    WALK_JOB_DONE,
};

/* One line of the descriptor fetch buffer: the words as they were when it was read. */
struct bfb_line {
    uint32_t pa;                /* WALKER_BFB_LINE_BYTES aligned */
    uint32_t word[WALKER_BFB_LINE_WORDS];
};

struct walker {
    struct walker_config cfg;
    const struct physmem *pm;
    struct mem_port port;
    struct l2cache *l2;
    struct walk_job *queue_head, *queue_tail;
    unsigned in_flight;
    /* the fetch buffer: bfb_valid lines in slots 0.., bfb_next the oldest once full */
    struct bfb_line bfb[WALKER_BFB_MAX];
    unsigned bfb_valid, bfb_next;
    struct walker_stats stats;
    walker_observe_fn observe;
    void *observe_arg;
};

#define WALKER_OBSERVE(w, ev, job) \
    do { if ((w)->observe) (w)->observe((w)->observe_arg, (ev), (job)); } while (0)

struct walker *walker_new(const struct walker_config *cfg, const struct physmem *pm,
                          const struct mem_port *port)
{
    struct walker *w;

    if (!cfg || !pm || !port || !port->request || cfg->max_outstanding < 1 ||
        cfg->bfb_lines > WALKER_BFB_MAX)
        return NULL;
    w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->cfg = *cfg;
    w->pm = pm;
    w->port = *port;
    return w;
}

void walker_free(struct walker *w)
{
    free(w);
}

void walker_set_l2cache(struct walker *w, struct l2cache *l2)
{
    if (w)
        w->l2 = l2;
}

/* ---- The descriptor fetch buffer -------------------------------------------------- */

static struct bfb_line *bfb_find(struct walker *w, uint32_t line_pa)
{
    for (unsigned i = 0; i < w->bfb_valid; i++)
        if (w->bfb[i].pa == line_pa)
            return &w->bfb[i];
    return NULL;
}

/*
 * A buffered L2 descriptor is used only when it translates: a fault entry (type 00)
 * or, with AFE, one whose access flag (AP0) is clear is read again from memory. The
 * architecture lets software turn such an entry into a valid one without any TLB
 * maintenance (a TLB never holds them), so a buffer that returned the old word would
 * fault where the hardware's contract says it must not.
 */
static bool bfb_word_usable(uint32_t d, bool afe)
{
    if ((d & PTE_L2_TYPE_MASK) == PTE_L2_TYPE_FAULT)
        return false;
    return !afe || (d & PTE_L2_AP0);
}

static bool bfb_lookup(struct walker *w, uint32_t addr, bool afe, uint32_t *word)
{
    struct bfb_line *l = bfb_find(w, addr & ~(WALKER_BFB_LINE_BYTES - 1u));

    if (!l)
        return false;
    *word = l->word[(addr % WALKER_BFB_LINE_BYTES) / 4u];
    return bfb_word_usable(*word, afe);
}

/*
 * Keeps the line just read, with the words physmem holds now (when the read
 * completed): over the same line's older copy, else in a free slot, else over the
 * oldest line (the buffer keeps the last bfb_lines lines read).
 */
static void bfb_install(struct walker *w, uint32_t line_pa)
{
    struct bfb_line *l = bfb_find(w, line_pa);

    if (!l) {
        if (w->bfb_valid < w->cfg.bfb_lines) {
            l = &w->bfb[w->bfb_valid++];
        } else {
            l = &w->bfb[w->bfb_next];
            w->bfb_next = (w->bfb_next + 1) % w->cfg.bfb_lines;
        }
    }
    l->pa = line_pa;
    for (unsigned i = 0; i < WALKER_BFB_LINE_WORDS; i++)
        l->word[i] = physmem_read32(w->pm, line_pa + 4u * i);
    w->stats.bfb_fills++;
}

void walker_bfb_invalidate(struct walker *w)
{
    if (!w)
        return;
    w->bfb_valid = 0;
    w->bfb_next = 0;
    w->stats.bfb_invalidations++;
}

unsigned walker_bfb_valid(const struct walker *w)
{
    return w->bfb_valid;
}

/* ---- Reads -------------------------------------------------------------------------- */

static void walker_read_done(struct mem_req *req);

static void walker_l2_hit_done(void *arg)
{
    struct mem_req *req = arg;

    req->done(req);
}

/*
 * Issues one memory read for the descriptor at addr: the word itself, or its aligned
 * fetch-buffer line. A cacheable walk asks the shared L2 first; a hit completes
 * hit_latency after its arrival, a miss goes on to the port (and fills the L2 when
 * it completes).
 */
static void walker_issue_read(struct walker *w, struct walk_job *job, uint32_t addr,
                              bool line, sim_time_t at)
{
    static const struct mem_req zero_req;          /* a copy, not `rep stos` (master.c) */
    struct mem_req *req = &job->req;

    *req = zero_req;
    req->pa = line ? addr & ~(WALKER_BFB_LINE_BYTES - 1u) : addr;
    req->bytes = line ? WALKER_BFB_LINE_BYTES : 4u;
    req->write = false;
    req->at = at;
    req->done = walker_read_done;
    req->owner = w;
    job->state = WALK_JOB_READING;
    job->read_addr = addr;
    job->read_line = line;
    job->read_l2 = w->l2 && walk_table_cacheable(&job->regs, job->va);
    job->result.mem_reads++;
    w->stats.desc_reads++;
    if (job->read_l2) {
        if (l2cache_lookup(w->l2, req->pa, req->bytes)) {
            w->stats.l2_hits++;
            job->result.l2_hits++;
            req->status = MEM_OK;
            req->done_at = at + l2cache_config(w->l2)->hit_latency;
            sim_schedule(req->done_at - sim_now(), walker_l2_hit_done, req);
            return;
        }
        w->stats.l2_misses++;
    }
    mem_request(&w->port, req);
}

static void walker_finish(struct walker *w, struct walk_job *job);

/*
 * Takes the descriptor at addr for the walk's next level: an L2 descriptor from the
 * fetch buffer when BFBDFE is set and the buffer holds it (no read, no time), else
 * from memory (with BFBDFE, as the whole line).
 */
static void walker_fetch(struct walker *w, struct walk_job *job, uint32_t addr, sim_time_t at)
{
    bool line = job->result.desc_reads == 1 && job->regs.bfb && w->cfg.bfb_lines;
    uint32_t word, next;

    if (line && bfb_lookup(w, addr, job->regs.afe, &word)) {
        w->stats.bfb_hits++;
        job->result.bfb_hit = true;
        if (walk_step(&job->regs, job->va, job->access, &job->result, word, &next))
            walker_fetch(w, job, next, at);     /* not reached: L2 is the last level */
        else
            walker_finish(w, job);
        return;
    }
    walker_issue_read(w, job, addr, line, at);
}

static void walker_launch(struct walker *w, struct walk_job *job);

/* Ends a walk in flight and hands its slot to the oldest queued walk. */
static void walker_finish(struct walker *w, struct walk_job *job)
{
    job->finished = sim_now();
    job->state = WALK_JOB_DONE;
    w->in_flight--;
    if (job->result.fault != WALK_OK)
        w->stats.faults++;
    WALKER_OBSERVE(w, WALKER_EV_END, job);
    if (job->done)
        job->done(job);         /* may start more walks; they queue behind older ones */
    while (w->queue_head && w->in_flight < w->cfg.max_outstanding) {
        struct walk_job *next = w->queue_head;

        w->queue_head = next->next;
        if (!w->queue_head)
            w->queue_tail = NULL;
        next->next = NULL;
        walker_launch(w, next);
    }
}

/*
 * A descriptor read that the memory system answered with an error yields no
 * descriptor: the walk ends at that read's level with the external abort the
 * status names, reported in place of a translation fault (ARMv7: an external abort
 * on a translation table walk). A decode error (no slave at the address) is
 * HTWDEEF; a slave error (the slave or the fabric answered with an error) HTWSEEF.
 */
static void walker_read_error(struct walker *w, struct walk_result *out,
                              enum mem_status status)
{
    unsigned level = ++out->desc_reads;

    out->desc[level - 1] = 0;
    w->stats.desc_errors++;
    if (status == MEM_DECODE_ERROR) {
        w->stats.decode_errors++;
        walk_fail(out, WALK_DECODE_ERROR, level);
    } else {
        w->stats.slave_errors++;
        walk_fail(out, WALK_SLAVE_ERROR, level);
    }
}

static void walker_read_done(struct mem_req *req)
{
    struct walker *w = req->owner;
    struct walk_job *job = container_of(req, struct walk_job, req);
    uint32_t desc, next = 0;

    if (req->status != MEM_OK) {
        walker_read_error(w, &job->result, req->status);
        walker_finish(w, job);
        return;
    }
    if (job->read_l2)
        l2cache_fill(w->l2, req->pa, req->bytes);
    if (job->read_line)
        bfb_install(w, req->pa);
    desc = physmem_read32(w->pm, job->read_addr);
    if (walk_step(&job->regs, job->va, job->access, &job->result, desc, &next))
        walker_fetch(w, job, next, sim_now());
    else
        walker_finish(w, job);
}

/* A walk that PD0/PD1 stopped still costs the start-up time before it reports. */
static void walker_disabled_done(void *arg)
{
    struct walk_job *job = arg;

    walker_finish(job->req.owner, job);
}

static void walker_launch(struct walker *w, struct walk_job *job)
{
    uint32_t addr;

    w->in_flight++;
    if (w->in_flight > w->stats.max_in_flight)
        w->stats.max_in_flight = w->in_flight;
    w->stats.walks++;
    WALKER_OBSERVE(w, WALKER_EV_BEGIN, job);
    if (walk_begin(&job->regs, job->va, &job->result, &addr)) {
        walker_issue_read(w, job, addr, false, sim_now() + w->cfg.overhead);
    } else {
        job->req.owner = w;
        job->state = WALK_JOB_READING;
        sim_schedule(w->cfg.overhead, walker_disabled_done, job);
    }
}

void walker_start(struct walker *w, struct walk_job *job)
{
    if (!w || !job)
        return;
    job->started = sim_now();
    job->finished = 0;
    job->next = NULL;
    static const struct walk_result zero_result;   /* a copy, not `rep stos` (master.c) */

    job->result = zero_result;
    /* FIFO: a free slot goes to a new walk only when nobody is waiting for it. */
    if (!w->queue_head && w->in_flight < w->cfg.max_outstanding) {
        walker_launch(w, job);
        return;
    }
    job->state = WALK_JOB_QUEUED;
    w->stats.queued++;
    if (w->queue_tail)
        w->queue_tail->next = job;
    else
        w->queue_head = job;
    w->queue_tail = job;
    WALKER_OBSERVE(w, WALKER_EV_QUEUE, job);
}

void walker_set_observer(struct walker *w, walker_observe_fn fn, void *arg)
{
    w->observe = fn;
    w->observe_arg = arg;
}

unsigned walker_in_flight(const struct walker *w)
{
    return w->in_flight;
}

unsigned walker_queued(const struct walker *w)
{
    unsigned n = 0;

    for (const struct walk_job *j = w->queue_head; j; j = j->next)
        n++;
    return n;
}

const struct walker_stats *walker_stats(const struct walker *w)
{
    return &w->stats;
}

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

int walker_register_stats(const struct walker *w, struct stats *st, const char *prefix)
{
    const struct walker_stats *ws = &w->stats;

    TRY(stats_add_u64(st, ws->walks, "%s.walks", prefix));
    TRY(stats_add_u64(st, ws->desc_reads, "%s.desc_reads", prefix));
    TRY(stats_add_u64(st, ws->faults, "%s.faults", prefix));
    TRY(stats_add_u64(st, ws->queued, "%s.queued", prefix));
    TRY(stats_add_u64(st, ws->max_in_flight, "%s.max_in_flight", prefix));
    TRY(stats_add_u64(st, ws->desc_errors, "%s.desc_errors", prefix));
    TRY(stats_add_u64(st, ws->decode_errors, "%s.decode_errors", prefix));
    TRY(stats_add_u64(st, ws->slave_errors, "%s.slave_errors", prefix));
    TRY(stats_add_u64(st, ws->bfb_hits, "%s.bfb_hits", prefix));
    TRY(stats_add_u64(st, ws->bfb_fills, "%s.bfb_fills", prefix));
    TRY(stats_add_u64(st, ws->bfb_invalidations, "%s.bfb_invalidations", prefix));
    TRY(stats_add_u64(st, ws->l2_hits, "%s.l2_hits", prefix));
    TRY(stats_add_u64(st, ws->l2_misses, "%s.l2_misses", prefix));
    return 0;
}
