/*
 * fabric.c - the multimedia fabric: a link per master port, one shared gateway with
 * round-robin arbitration, a fixed hop latency, then the downstream port (see
 * fabric.h and docs/timing.md for the rules and worked examples).
 *
 * A request walks the stages in this order: its port's link (a timeline), the
 * gateway, the hop, the downstream target. The link is decided at hand-over. So is
 * the gateway when it will be idle by the time the request reaches it and no other
 * request is waiting for it: the common single-master case then costs no kernel
 * work at all beyond the downstream completion. Otherwise the request joins its
 * port's queue, and an arbitration event at each time the gateway frees grants one
 * ready request, taking ports round-robin from the one after the last granted.
 *
 * The requester's mem_req stays the requester's: the fabric sends a request of its
 * own downstream, held in a small transaction record from a pool that grows in
 * chunks and is never shrunk, so the steady state allocates nothing.
 */
#include "models/fabric.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/core/util.h"

/* Durations of up to this many fabric cycles come from a table. */
#define FABRIC_CYCLE_TABLE      64u

/* Transaction records are allocated this many at a time. */
#define FABRIC_TXN_CHUNK        256u

struct fabric;

struct fabric_txn {
    struct mem_req down;            /* the request as the downstream port sees it */
    struct mem_req *up;             /* the requester's request */
    struct fabric *f;
    struct fabric_txn *next;        /* in a port's gateway queue or the free list */
    sim_time_t ready;               /* leaves its link, ready for the gateway */
    unsigned port;
};

struct fabric_txn_chunk {
    struct fabric_txn_chunk *next;
    struct fabric_txn txn[FABRIC_TXN_CHUNK];
};

struct fabric_master {
    sim_time_t link_busy_until;
    struct fabric_txn *head, *tail; /* waiting for the gateway, in link order */
    int width_shift;                /* log2(port width), or -1 */
    unsigned width;
    struct fabric_port_stats st;
};

struct fabric {
    struct fabric_config cfg;
    struct sim_clock clk;
    struct mem_port down;
    sim_time_t cycles[FABRIC_CYCLE_TABLE + 1];  /* duration of n fabric cycles */
    sim_time_t hop;
    int gw_shift;                   /* log2(gateway width), or -1 */

    /* The gateway. */
    sim_time_t gw_busy_until;
    uint64_t waiting;               /* bit p: port p has a request in its queue */
    unsigned last_grant;
    struct sim_event *arb;
    struct fabric_gateway_stats gst;

    struct fabric_txn *free_txn;
    struct fabric_txn_chunk *chunks;

    struct fabric_master port[FABRIC_MAX_PORTS];
};

/* ---- Configuration --------------------------------------------------------------- */

static int log2_or_neg(uint64_t x)
{
    return is_pow2(x) ? (int)ilog2(x) : -1;
}

int fabric_config_check(const struct fabric_config *cfg, char *err, unsigned errlen)
{
    unsigned p;

    if (!cfg)
        return err_invalid(err, errlen, "fabric: no configuration given");
    if (cfg->clock_hz == 0 || cfg->clock_hz > SIM_S)
        return err_invalid(err, errlen,
                                   "fabric: clock_hz is %llu; it must be 1..%llu",
                                   (unsigned long long)cfg->clock_hz,
                                   (unsigned long long)SIM_S);
    if (cfg->gateway_width_bytes == 0)
        return err_invalid(err, errlen,
                                   "fabric: gateway_width_bytes is 0; it must be at least 1");
    if (cfg->nports < 1 || cfg->nports > FABRIC_MAX_PORTS)
        return err_invalid(err, errlen, "fabric: nports is %u; it must be 1..%u",
                                   cfg->nports, FABRIC_MAX_PORTS);
    for (p = 0; p < cfg->nports; p++)
        if (cfg->port_width_bytes[p] == 0)
            return err_invalid(err, errlen,
                                       "fabric: port_width_bytes[%u] (%s) is 0; it must be at least 1",
                                       p, cfg->port_name[p] ? cfg->port_name[p] : "unnamed");
    return 0;
}

/* ---- Small helpers --------------------------------------------------------------- */

static uint64_t cycles_for(uint64_t bytes, unsigned width, int shift)
{
    if (shift >= 0)
        return (bytes + width - 1) >> shift;
    return (bytes + width - 1) / width;
}

static sim_time_t fabric_cycles(const struct fabric *f, uint64_t n)
{
    if (n <= FABRIC_CYCLE_TABLE)
        return f->cycles[n];
    return sim_clock_cycles(&f->clk, n);
}

static sim_time_t max_time(sim_time_t a, sim_time_t b)
{
    return a > b ? a : b;
}

static struct fabric_txn *fabric_txn_get(struct fabric *f)
{
    struct fabric_txn *t = f->free_txn;

    if (!t) {
        struct fabric_txn_chunk *c = calloc(1, sizeof(*c));
        unsigned i;

        if (!c)
            return NULL;
        c->next = f->chunks;
        f->chunks = c;
        for (i = 0; i < FABRIC_TXN_CHUNK; i++) {
            c->txn[i].f = f;
            c->txn[i].next = i + 1 < FABRIC_TXN_CHUNK ? &c->txn[i + 1] : NULL;
        }
        t = &c->txn[0];
    }
    f->free_txn = t->next;
    return t;
}

static void fabric_txn_put(struct fabric *f, struct fabric_txn *t)
{
    t->next = f->free_txn;
    f->free_txn = t;
}

/* ---- Completion -------------------------------------------------------------------- */

static void fabric_error_done(void *arg)
{
    struct mem_req *req = arg;

    req->done(req);
}

/* A request the fabric cannot carry: slave error at its arrival (or now). */
static void fabric_reject(struct mem_req *req, sim_time_t now)
{
    req->status = MEM_ERROR;
    req->done_at = max_time(req->at, now);
    sim_schedule(req->done_at - now, fabric_error_done, req);
}

/*
 * Runs inside the downstream target's completion callback, at done_at. The record
 * goes back to the pool before the requester hears of it, so that a requester which
 * issues its next request from its done callback reuses it.
 */
static void fabric_down_done(struct mem_req *down)
{
    struct fabric_txn *t = down->owner;
    struct mem_req *up = t->up;

    up->done_at = down->done_at;
    up->status = down->status;
    fabric_txn_put(t->f, t);
    up->done(up);
}

/* ---- Gateway ----------------------------------------------------------------------- */

/* The gateway is the request's from `at` (>= sim_now()); it goes on downstream. */
static void fabric_grant(struct fabric *f, struct fabric_txn *t, sim_time_t at)
{
    struct mem_req *up = t->up, *down = &t->down;
    sim_time_t xfer = fabric_cycles(f, cycles_for(up->bytes, f->cfg.gateway_width_bytes,
                                                  f->gw_shift));

    f->gw_busy_until = at + xfer;
    f->last_grant = t->port;
    f->gst.busy += xfer;
    f->port[t->port].st.wait += at - t->ready;

    down->pa = up->pa;
    down->bytes = up->bytes;
    down->write = up->write;
    down->at = at + xfer + f->hop;
    down->done = fabric_down_done;
    down->owner = t;
    mem_request(&f->down, down);
}

/* Earliest time at which some queued request is ready; the queues are not empty. */
static sim_time_t fabric_first_ready(const struct fabric *f)
{
    uint64_t m = f->waiting;
    sim_time_t first = SIM_TIME_MAX;

    while (m) {
        unsigned p = (unsigned)__builtin_ctzll(m);

        m &= m - 1;
        if (f->port[p].head->ready < first)
            first = f->port[p].head->ready;
    }
    return first;
}

/* Wakes the arbiter when the gateway is free and some queued request is ready. */
static void fabric_arm(struct fabric *f, sim_time_t now)
{
    sim_time_t t = max_time(f->gw_busy_until, fabric_first_ready(f));

    sim_event_notify(f->arb, t - now);
}

/* First port after the last granted, in port order, whose head is ready at `now`. */
static int fabric_pick(const struct fabric *f, sim_time_t now)
{
    unsigned start = f->last_grant + 1 < f->cfg.nports ? f->last_grant + 1 : 0;
    uint64_t above = f->waiting & (~0ULL << start);
    uint64_t below = f->waiting & ~(~0ULL << start);
    uint64_t m;

    for (m = above; m; m &= m - 1) {
        unsigned p = (unsigned)__builtin_ctzll(m);

        if (f->port[p].head->ready <= now)
            return (int)p;
    }
    for (m = below; m; m &= m - 1) {
        unsigned p = (unsigned)__builtin_ctzll(m);

        if (f->port[p].head->ready <= now)
            return (int)p;
    }
    return -1;
}

/*
 * The arbitration event: runs only while requests wait, at a time when the gateway
 * is free; grants one ready request and sleeps until the gateway frees again.
 */
static void fabric_arbitrate(void *arg)
{
    struct fabric *f = arg;
    sim_time_t now = sim_now();
    struct fabric_master *m;
    struct fabric_txn *t;
    int p;

    if (!f->waiting)
        return;
    if (f->gw_busy_until > now) {
        fabric_arm(f, now);
        return;
    }
    p = fabric_pick(f, now);
    if (p < 0) {
        fabric_arm(f, now);
        return;
    }
    m = &f->port[p];
    t = m->head;
    m->head = t->next;
    if (!m->head) {
        m->tail = NULL;
        f->waiting &= ~(1ULL << p);
    }
    f->gst.grants_arbitrated++;
    fabric_grant(f, t, now);
    if (f->waiting)
        fabric_arm(f, now);
}

static void fabric_enqueue(struct fabric *f, struct fabric_txn *t, sim_time_t now)
{
    struct fabric_master *m = &f->port[t->port];

    t->next = NULL;
    if (m->tail)
        m->tail->next = t;
    else
        m->head = t;
    m->tail = t;
    f->waiting |= 1ULL << t->port;
    /* A pending wake-up that is earlier wins; a later one is brought forward. */
    sim_event_notify(f->arb, max_time(f->gw_busy_until, t->ready) - now);
}

/* ---- Ports -------------------------------------------------------------------------- */

static void fabric_request(void *target, unsigned port, struct mem_req *req)
{
    struct fabric *f = target;
    sim_time_t now = sim_now();
    struct fabric_master *m;
    struct fabric_txn *t;
    sim_time_t start, ready;

    if (!f || port >= f->cfg.nports || req->bytes == 0 || req->at < now) {
        fabric_reject(req, now);
        return;
    }
    t = fabric_txn_get(f);
    if (!t) {
        fabric_reject(req, now);
        return;
    }
    m = &f->port[port];
    start = max_time(req->at, m->link_busy_until);
    ready = start + fabric_cycles(f, cycles_for(req->bytes, m->width, m->width_shift));
    m->link_busy_until = ready;
    m->st.requests++;
    m->st.bytes += req->bytes;
    m->st.link_wait += start - req->at;

    t->up = req;
    t->ready = ready;
    t->port = port;
    if (!f->waiting && f->gw_busy_until <= ready) {
        f->gst.grants_immediate++;
        fabric_grant(f, t, ready);
    } else {
        fabric_enqueue(f, t, now);
    }
}

/* ---- Construction ----------------------------------------------------------------- */

struct fabric *fabric_new(const struct fabric_config *cfg, const struct mem_port *downstream)
{
    struct fabric *f;
    unsigned p, n;

    if (fabric_config_check(cfg, NULL, 0) || !downstream || !downstream->request)
        return NULL;
    f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->cfg = *cfg;
    f->down = *downstream;
    if (sim_clock_init(&f->clk, "fabric", cfg->clock_hz)) {
        free(f);
        return NULL;
    }
    for (n = 0; n <= FABRIC_CYCLE_TABLE; n++)
        f->cycles[n] = sim_clock_cycles(&f->clk, n);
    f->hop = sim_clock_cycles(&f->clk, cfg->hop_cycles);
    f->gw_shift = log2_or_neg(cfg->gateway_width_bytes);
    for (p = 0; p < cfg->nports; p++) {
        f->port[p].width = cfg->port_width_bytes[p];
        f->port[p].width_shift = log2_or_neg(cfg->port_width_bytes[p]);
    }
    /* So that port 0 is the first choice of the first arbitration. */
    f->last_grant = cfg->nports - 1;
    f->arb = sim_event_new("fabric.arbiter", fabric_arbitrate, f);
    if (!f->arb) {
        free(f);
        return NULL;
    }
    return f;
}

void fabric_free(struct fabric *f)
{
    struct fabric_txn_chunk *c, *next;

    if (!f)
        return;
    for (c = f->chunks; c; c = next) {
        next = c->next;
        free(c);
    }
    sim_event_free(f->arb);
    free(f);
}

struct mem_port fabric_port(struct fabric *f, unsigned port)
{
    struct mem_port p = { .request = fabric_request, .target = f, .port = port };

    return p;
}

const struct fabric_port_stats *fabric_port_stats(const struct fabric *f, unsigned port)
{
    if (!f || port >= f->cfg.nports)
        return NULL;
    return &f->port[port].st;
}

const struct fabric_gateway_stats *fabric_gateway_stats(const struct fabric *f)
{
    if (!f)
        return NULL;
    return &f->gst;
}
