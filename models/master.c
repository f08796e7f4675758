/*
 * master.c - a bus master that replays a DMA trace through an SMMU.
 *
 * The master is a small state machine driven by two things only: the kernel
 * wake-up event (a time gate has opened) and the SMMU's completion callback (a
 * slot has freed). Both end in issue(), which pulls the source one record at a
 * time, applies the markers it meets, and hands bursts of the one pending access
 * to the SMMU while every condition of master.h allows it.
 *
 * Nothing grows with the trace: the bursts in flight live in a pool of
 * max_outstanding transactions, and the frames and lines that still have bursts
 * in flight live in two pools of max_outstanding + 1 deadline records (each
 * closed record holds at least one burst in flight, plus the one that is open).
 * The line FIFO keeps only the times of its last fifo_lines L markers.
 */
#include "models/master.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/smmu_regs.h"
#include "sim/core/util.h"

#define MASTER_MIN_BURST        4u
#define MASTER_MAX_BURST        4096u
#define MASTER_MAX_FIFO_LINES   4096u
#define PS_PER_S                1000000000000ull
#define NO_GROUP                UINT16_MAX
#define ADDR_SPACE              (1ull << 32)

#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

/*
 * A frame or a line: the bursts of its accesses and its deadline. It is closed
 * when the stream has moved past it; closed with nothing in flight, it is judged
 * and its record goes back to the pool.
 */
struct deadline_group {
    sim_time_t deadline;
    sim_time_t last_done;       /* latest completion of its bursts */
    uint32_t outstanding;
    bool has_bursts;
    bool closed;
};

struct group_pool {
    struct deadline_group *rec;
    uint16_t *free_idx;         /* stack of free record indices */
    unsigned nfree;
    uint64_t *judged_late;      /* the stats counter a late group adds to */
    struct master *lines_of;    /* the master, for the line pool's observer; else NULL */
};

/* One slot of the outstanding pool: the transaction and the groups it belongs to. */
struct master_burst {
    struct smmu_txn txn;
    uint16_t frame, line;       /* group record indices, or NO_GROUP */
};

struct master {
    struct master_config cfg;
    struct smmu *smmu;
    master_next_fn next;
    void *arg;
    struct sim_event *wake;

    struct master_burst *burst;     /* max_outstanding slots */
    uint16_t *free_slot;            /* stack of free slot indices */
    unsigned nfree, in_flight;

    /* the pending access, partly issued */
    bool have_cur;
    struct master_access cur;
    uint32_t cur_issued;            /* bytes already handed to the SMMU */
    sim_time_t cur_not_before;      /* open-loop time, frame and FIFO gates */

    /* the position of the stream */
    uint64_t records;
    bool ended;
    int source_err;
    uint16_t frame, line;           /* open group records, or NO_GROUP */
    sim_time_t frame_gate, line_gate;
    uint64_t lines_in_frame;        /* L markers since the last F */
    sim_time_t *fifo_ring;          /* times of the last fifo_lines L markers */

    struct group_pool frames, lines;

    /* rate limit: next allowed issue time and the remainder below a picosecond,
     * in units of 1/rate ps */
    sim_time_t rate_next;
    uint64_t rate_rem;

    /* functional mode: the next record, pulled ahead by master_functional_peek */
    bool fn_have;
    struct master_access fn_next;

    bool started, issued_any;
    bool in_issue, issue_again;     /* re-entrancy guard of issue() */
    struct master_stats stats;
    master_observe_fn observe;
    void *observe_arg;
};

static void issue(struct master *m);

#define MASTER_OBSERVE(m, ...) \
    do { \
        if ((m)->observe) \
            (m)->observe((m)->observe_arg, (m), &(struct master_event_info){ __VA_ARGS__ }); \
    } while (0)

/* ---- Configuration ------------------------------------------------------------- */

int master_config_check(const struct master_config *cfg, char *err, unsigned errlen)
{
#define BAD(...) return err_invalid(err, errlen, __VA_ARGS__)
    if (!cfg)
        BAD("no master configuration given");
    if (!cfg->name || !cfg->name[0])
        BAD("master: name must be given (a non-empty string)");
    const char *n = cfg->name;
    if (cfg->mid >= SMMU_MAX_MIDS)
        BAD("master %s: mid %u must be in 0..%u", n, cfg->mid, SMMU_MAX_MIDS - 1);
    if (!is_pow2(cfg->burst_bytes) || cfg->burst_bytes < MASTER_MIN_BURST ||
        cfg->burst_bytes > MASTER_MAX_BURST)
        BAD("master %s: burst_bytes %u must be a power of two in %u..%u", n,
            cfg->burst_bytes, MASTER_MIN_BURST, MASTER_MAX_BURST);
    if (cfg->max_outstanding < 1 || cfg->max_outstanding > MASTER_MAX_OUTSTANDING)
        BAD("master %s: max_outstanding %u must be in 1..%u", n, cfg->max_outstanding,
            MASTER_MAX_OUTSTANDING);
    if (cfg->fifo_lines > MASTER_MAX_FIFO_LINES)
        BAD("master %s: fifo_lines %u must be in 0..%u", n, cfg->fifo_lines,
            MASTER_MAX_FIFO_LINES);
#undef BAD
    return 0;
}

/* ---- Life cycle ---------------------------------------------------------------- */

static void wake_event(void *arg)
{
    issue(arg);
}

static bool pool_init(struct group_pool *p, unsigned n, uint64_t *late_counter)
{
    p->rec = calloc(n, sizeof(*p->rec));
    p->free_idx = calloc(n, sizeof(*p->free_idx));
    if (!p->rec || !p->free_idx)
        return false;
    /* pop order 0, 1, 2, ...: deterministic and easy to follow in a debugger */
    for (unsigned i = 0; i < n; i++)
        p->free_idx[i] = (uint16_t)(n - 1 - i);
    p->nfree = n;
    p->judged_late = late_counter;
    return true;
}

struct master *master_new(const struct master_config *cfg, struct smmu *smmu,
                          master_next_fn next, void *arg)
{
    if (master_config_check(cfg, NULL, 0) || !smmu || !next)
        return NULL;
    struct master *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->cfg = *cfg;
    m->smmu = smmu;
    m->next = next;
    m->arg = arg;
    m->frame = m->line = NO_GROUP;

    unsigned n = cfg->max_outstanding;
    m->burst = calloc(n, sizeof(*m->burst));
    m->free_slot = calloc(n, sizeof(*m->free_slot));
    m->wake = sim_event_new(cfg->name, wake_event, m);
    bool ok = m->burst && m->free_slot && m->wake &&
              pool_init(&m->frames, n + 1, &m->stats.late_frames) &&
              pool_init(&m->lines, n + 1, &m->stats.underruns);
    m->lines.lines_of = m;
    if (ok && cfg->fifo_lines)
        ok = (m->fifo_ring = calloc(cfg->fifo_lines, sizeof(*m->fifo_ring))) != NULL;
    if (!ok) {
        master_free(m);
        return NULL;
    }
    for (unsigned i = 0; i < n; i++)
        m->free_slot[i] = (uint16_t)(n - 1 - i);
    m->nfree = n;
    return m;
}

void master_free(struct master *m)
{
    if (!m)
        return;
    sim_event_free(m->wake);
    free(m->burst);
    free(m->free_slot);
    free(m->frames.rec);
    free(m->frames.free_idx);
    free(m->lines.rec);
    free(m->lines.free_idx);
    free(m->fifo_ring);
    free(m);
}

bool master_done(const struct master *m) { return m->ended && m->in_flight == 0; }
unsigned master_in_flight(const struct master *m) { return m->in_flight; }
int master_source_error(const struct master *m) { return m->source_err; }
const struct master_config *master_config(const struct master *m) { return &m->cfg; }
const struct master_stats *master_stats(const struct master *m) { return &m->stats; }

void master_set_observer(struct master *m, master_observe_fn fn, void *arg)
{
    m->observe = fn;
    m->observe_arg = arg;
}

/* ---- Frames and lines ------------------------------------------------------------ */

static sim_time_t sat_add(sim_time_t a, sim_time_t b)
{
    return a > SIM_TIME_MAX - b ? SIM_TIME_MAX : a + b;
}

static uint16_t group_open(struct group_pool *p, sim_time_t deadline)
{
    /* cannot run dry: see the top of the file */
    uint16_t i = p->free_idx[--p->nfree];
    p->rec[i] = (struct deadline_group){ .deadline = deadline };
    return i;
}

/* Judges a closed group with nothing in flight and frees its record. */
static void group_settle(struct group_pool *p, uint16_t i)
{
    struct deadline_group *g = &p->rec[i];

    if (!g->closed || g->outstanding)
        return;
    if (g->has_bursts && g->last_done > g->deadline)
        (*p->judged_late)++;
    if (g->has_bursts && p->lines_of)
        MASTER_OBSERVE(p->lines_of, .ev = MASTER_EV_LINE_READY, .scanout = g->deadline);
    p->free_idx[p->nfree++] = i;
}

static void group_close(struct group_pool *p, uint16_t *open)
{
    if (*open == NO_GROUP)
        return;
    p->rec[*open].closed = true;
    group_settle(p, *open);
    *open = NO_GROUP;
}

static void group_burst_done(struct group_pool *p, uint16_t i, sim_time_t now)
{
    if (i == NO_GROUP)
        return;
    struct deadline_group *g = &p->rec[i];
    g->outstanding--;
    if (now > g->last_done)
        g->last_done = now;
    group_settle(p, i);
}

static void group_burst_issued(struct group_pool *p, uint16_t i)
{
    if (i == NO_GROUP)
        return;
    p->rec[i].outstanding++;
    p->rec[i].has_bursts = true;
}

/* A frame with no period has no deadline: SIM_TIME_MAX is never passed. */
static void frame_marker(struct master *m, sim_time_t t)
{
    m->stats.frames++;
    group_close(&m->lines, &m->line);
    group_close(&m->frames, &m->frame);
    sim_time_t deadline = m->cfg.frame_period ? sat_add(t, m->cfg.frame_period) : SIM_TIME_MAX;
    m->frame = group_open(&m->frames, deadline);
    m->frame_gate = t;
    m->line_gate = 0;
    m->lines_in_frame = 0;
}

/*
 * Line k of the frame (counting from 1) may fill the FIFO once line k - n has
 * begun its scan-out: before the ring slot k mod n is overwritten with line k's
 * time, it holds line k - n's.
 */
static void line_marker(struct master *m, sim_time_t t)
{
    unsigned n = m->cfg.fifo_lines;

    m->stats.lines++;
    group_close(&m->lines, &m->line);
    m->line = group_open(&m->lines, t);
    m->lines_in_frame++;
    if (n) {
        uint64_t k = m->lines_in_frame;
        m->line_gate = k > n ? m->fifo_ring[k % n] : 0;
        m->fifo_ring[k % n] = t;
    }
}

/* The stream has ended (or failed): whatever is open is complete. */
static void stream_end(struct master *m, int err)
{
    m->ended = true;
    m->source_err = err;
    sim_event_cancel(m->wake);
    group_close(&m->lines, &m->line);
    group_close(&m->frames, &m->frame);
}

/* ---- Pulling the source ---------------------------------------------------------- */

static const char *op_name(unsigned op)
{
    return op == MASTER_WRITE ? "write" : "read";
}

/* 0, or -EINVAL with a message on stderr: the master cannot report it otherwise. */
static int check_access(const struct master *m, const struct master_access *a)
{
    if (a->op > MASTER_LINE) {
        fprintf(stderr, "iommusim: master %s: record %llu: unknown operation %u\n",
                m->cfg.name, (unsigned long long)m->records, a->op);
        return -EINVAL;
    }
    if (a->op >= MASTER_FRAME)
        return 0;
    if (a->bytes == 0 || (uint64_t)a->iova + a->bytes > ADDR_SPACE) {
        fprintf(stderr, "iommusim: master %s: record %llu: %s of %u bytes at 0x%08x "
                "must have 1 or more bytes and end at or below 2^32\n",
                m->cfg.name, (unsigned long long)m->records, op_name(a->op), a->bytes,
                a->iova);
        return -EINVAL;
    }
    return 0;
}

/* The next record from the source, checked: 1, 0 at the end, or a negative errno. */
static int pull(struct master *m, struct master_access *a)
{
    int r = m->next(m->arg, a);

    if (r <= 0)
        return r < 0 ? r : 0;
    m->records++;
    return check_access(m, a) ? -EINVAL : 1;
}

/*
 * Takes records until one is an access (kept as the pending access, with its time
 * gates) or the stream ends. Markers take effect as they are met: in trace order
 * with respect to the bursts already issued. The source writes straight into the
 * pending access (unused until have_cur is set): copying a record the source had
 * just stored field by field cost a store-forwarding stall per access.
 */
static void pull_access(struct master *m)
{
    struct master_access *a = &m->cur;

    while (!m->ended) {
        int r = pull(m, a);
        if (r <= 0) {
            stream_end(m, r);
            return;
        }
        if (a->op == MASTER_FRAME) {
            frame_marker(m, a->time);
            continue;
        }
        if (a->op == MASTER_LINE) {
            line_marker(m, a->time);
            continue;
        }
        m->stats.accesses++;
        m->cur_issued = 0;
        m->have_cur = true;
        sim_time_t t = m->frame_gate > m->line_gate ? m->frame_gate : m->line_gate;
        if (m->cfg.open_loop && a->time > t)
            t = a->time;
        m->cur_not_before = t;
        return;
    }
}

/* ---- Issuing ---------------------------------------------------------------------- */

/* Bytes of the burst at addr: up to the next burst_bytes boundary, within the access. */
static uint32_t burst_len(uint32_t addr, uint32_t left, unsigned burst)
{
    uint32_t room = burst - (addr & (burst - 1));
    return left < room ? left : room;
}

/* Moves the next allowed issue time on by b * 10^12 / rate, keeping the remainder. */
static void rate_charge(struct master *m, sim_time_t now, uint32_t b)
{
    uint64_t rate = m->cfg.rate_bytes_per_s;
    if (!rate)
        return;
    uint64_t num = (uint64_t)b * PS_PER_S;      /* <= 4096 * 10^12: no overflow */
    uint64_t q = num / rate, r = num % rate;
    /* rate_rem + r may not fit when rate is near 2^64: compare first */
    if (m->rate_rem >= rate - r) {
        m->rate_rem -= rate - r;
        q++;
    } else {
        m->rate_rem += r;
    }
    m->rate_next = sat_add(now, q);
}

static void burst_done(struct smmu_txn *t);

static void issue_burst(struct master *m, sim_time_t now)
{
    uint16_t slot = m->free_slot[--m->nfree];
    struct master_burst *b = &m->burst[slot];
    uint32_t addr = m->cur.iova + m->cur_issued;
    uint32_t len = burst_len(addr, m->cur.bytes - m->cur_issued, m->cfg.burst_bytes);

    /* The master's fields only: smmu_submit sets every field the SMMU owns. */
    b->txn.mid = m->cfg.mid;
    b->txn.iova = addr;
    b->txn.bytes = len;
    b->txn.write = m->cur.op == MASTER_WRITE;
    b->txn.privileged = m->cfg.privileged;
    b->txn.instr = false;
    b->txn.done = burst_done;
    b->txn.owner = m;
    b->frame = m->frame;
    b->line = m->line;
    group_burst_issued(&m->frames, b->frame);
    group_burst_issued(&m->lines, b->line);

    rate_charge(m, now, len);
    if (!m->issued_any) {
        m->issued_any = true;
        m->stats.first_issue = now;
    }
    m->cur_issued += len;
    if (m->cur_issued == m->cur.bytes)
        m->have_cur = false;
    m->in_flight++;
    MASTER_OBSERVE(m, .ev = MASTER_EV_ISSUE, .txn = &b->txn);
    smmu_submit(m->smmu, &b->txn);
}

/* Issues every burst that may issue now; arranges a wake-up for a time gate. */
static void issue_now(struct master *m)
{
    for (;;) {
        if (!m->have_cur) {
            pull_access(m);
            if (!m->have_cur)
                return;
        }
        if (!m->nfree)
            return;             /* a completion will call again */
        sim_time_t now = sim_now();
        sim_time_t at = m->cur_not_before > m->rate_next ? m->cur_not_before : m->rate_next;
        if (at > now) {
            /* an earlier pending wake-up is kept; it will find this one's time */
            sim_event_notify(m->wake, at - now);
            return;
        }
        issue_burst(m, now);
    }
}

/*
 * The SMMU answers from kernel callbacks, never from inside smmu_submit; the
 * guard keeps issue_now from nesting should a port ever answer at once.
 */
static void issue(struct master *m)
{
    if (!m->started)
        return;
    if (m->in_issue) {
        m->issue_again = true;
        return;
    }
    m->in_issue = true;
    do {
        m->issue_again = false;
        issue_now(m);
    } while (m->issue_again);
    m->in_issue = false;
}

static void burst_done(struct smmu_txn *t)
{
    struct master *m = t->owner;
    struct master_burst *b = container_of(t, struct master_burst, txn);
    sim_time_t now = t->completed;

    if (m->cfg.observe)
        m->cfg.observe(m->cfg.observe_arg, t);
    stats_hist_add(&m->stats.latency, t->completed - t->issued);
    if (t->status == SMMU_DONE)
        stats_hist_add(&m->stats.translation, t->translated - t->issued);
    m->stats.bursts++;
    if (t->status == SMMU_DONE) {
        if (t->write)
            m->stats.bytes_written += t->bytes;
        else
            m->stats.bytes_read += t->bytes;
    } else {
        m->stats.errors++;
    }
    if (now > m->stats.last_done)
        m->stats.last_done = now;
    group_burst_done(&m->frames, b->frame, now);
    group_burst_done(&m->lines, b->line, now);
    m->free_slot[m->nfree++] = (uint16_t)(b - m->burst);
    m->in_flight--;
    MASTER_OBSERVE(m, .ev = MASTER_EV_COMPLETE, .txn = t);
    issue(m);
}

void master_start(struct master *m)
{
    if (m->started)
        return;
    m->started = true;
    issue(m);
}

/* ---- Functional mode ---------------------------------------------------------------- */

static void functional_access(struct master *m, const struct master_access *a)
{
    uint32_t done = 0;

    m->stats.accesses++;
    while (done < a->bytes) {
        uint32_t addr = a->iova + done;
        uint32_t len = burst_len(addr, a->bytes - done, m->cfg.burst_bytes);
        struct smmu_txn t = {
            .mid = m->cfg.mid,
            .iova = addr,
            .bytes = len,
            .write = a->op == MASTER_WRITE,
            .privileged = m->cfg.privileged,
            .owner = m,
        };
        /* SMMU_STALLED is an error too: nothing will resume it in this mode */
        smmu_access(m->smmu, &t);
        if (m->cfg.observe)
            m->cfg.observe(m->cfg.observe_arg, &t);
        if (t.status == SMMU_DONE) {
            if (t.write)
                m->stats.bytes_written += len;
            else
                m->stats.bytes_read += len;
        } else {
            m->stats.errors++;
        }
        m->stats.bursts++;
        done += len;
    }
}

/* The next record of a functional run, pulled ahead so that its time can be seen. */
int master_functional_peek(struct master *m, sim_time_t *time)
{
    if (!m->fn_have) {
        if (m->ended)
            return m->source_err;
        int r = pull(m, &m->fn_next);
        if (r <= 0) {
            m->ended = true;
            m->source_err = r;
            return r;
        }
        m->fn_have = true;
    }
    *time = m->fn_next.time;
    return 1;
}

int master_functional_step(struct master *m)
{
    sim_time_t t;
    int r = master_functional_peek(m, &t);

    if (r <= 0)
        return r;
    m->fn_have = false;
    if (m->fn_next.op == MASTER_FRAME)
        m->stats.frames++;
    else if (m->fn_next.op == MASTER_LINE)
        m->stats.lines++;
    else
        functional_access(m, &m->fn_next);
    return 1;
}

int master_run_functional(struct master *m)
{
    int r;

    while ((r = master_functional_step(m)) > 0)
        ;
    return r;
}
