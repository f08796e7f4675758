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
    uint32_t l1_base;

    memset(out, 0, sizeof(*out));
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
}

/* ---- Timed walker ----------------------------------------------------------------- */

enum walk_job_state {
    WALK_JOB_QUEUED = 1,
    WALK_JOB_READING,
    WALK_JOB_DONE,
};

struct walker {
    struct walker_config cfg;
    const struct physmem *pm;
    struct mem_port port;
    struct walk_job *queue_head, *queue_tail;
    unsigned in_flight;
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

    if (!cfg || !pm || !port || !port->request || cfg->max_outstanding < 1)
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

static void walker_read_done(struct mem_req *req);

static void walker_issue_read(struct walker *w, struct walk_job *job, uint32_t addr,
                              sim_time_t at)
{
    struct mem_req *req = &job->req;

    memset(req, 0, sizeof(*req));
    req->pa = addr;
    req->bytes = 4;
    req->write = false;
    req->at = at;
    req->done = walker_read_done;
    req->owner = w;
    job->state = WALK_JOB_READING;
    w->stats.desc_reads++;
    mem_request(&w->port, req);
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

static void walker_read_done(struct mem_req *req)
{
    struct walker *w = req->owner;
    struct walk_job *job = container_of(req, struct walk_job, req);
    uint32_t desc, next = 0;

    /*
     * A descriptor read that the memory system rejected yields no descriptor; it is
     * taken as an invalid (zero) word, i.e. a translation fault at that level.
     */
    if (req->status == MEM_OK) {
        desc = physmem_read32(w->pm, req->pa);
    } else {
        desc = 0;
        w->stats.desc_errors++;
    }
    if (walk_step(&job->regs, job->va, job->access, &job->result, desc, &next))
        walker_issue_read(w, job, next, sim_now());
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
        walker_issue_read(w, job, addr, sim_now() + w->cfg.overhead);
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
    memset(&job->result, 0, sizeof(job->result));
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
