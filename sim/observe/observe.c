/*
 * observe.c - the models' observer events turned into the three files of observe.h.
 *
 * One struct obs_smmu per SMMU that a master uses and one struct obs_master per
 * master receive the events; each event updates the waveform's signals (vcd.c) and
 * opens or closes a timeline slice (timeline.c). The interval file takes the
 * models' counters at each boundary of the run's sample hook and writes how much
 * each grew; the latency quantiles of an interval come from the bursts that
 * completed in it, collected from the masters' completion events.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/observe/observe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/outfile.h"
#include "sim/core/stats.h"
#include "sim/observe/timeline.h"
#include "sim/observe/vcd.h"

#define MAX_WALK_LANES  64              /* smmu_config.max_walks is at most 64 */
#define MAINT_TID       MAX_WALK_LANES  /* the SMMU's track of TLB maintenance */
#define ARGS_MAX        512

/* Timeline process ids: the driver, then the SMMUs, then the masters. */
#define PID_DRIVER      1u
#define PID_SMMU(i)     (2u + (i))
#define PID_MASTER(m)   (2u + SCN_MAX_SMMUS + (m))

struct observe;

struct obs_smmu {
    struct observe *o;
    unsigned idx;
    bool used;                          /* a master is behind it */
    int sig_walks, sig_queued, sig_valid, sig_maint;
    /* the walks holding a lane of the timeline, and when each began */
    const struct walk_job *lane[MAX_WALK_LANES];
    sim_time_t lane_t[MAX_WALK_LANES];
    unsigned lane_bank[MAX_WALK_LANES];
    uint64_t lane_named;
    bool maint_named;
};

struct obs_master {
    struct observe *o;
    unsigned idx;
    int sig_out, sig_fifo;
    /* stalled transactions holding a lane of the timeline */
    unsigned nlanes;
    const struct smmu_txn **stall;
    sim_time_t *stall_t;
    bool *stall_named;
    /* the bursts completed in the current interval */
    struct stats_hist latency, translation;
};

/* A counter of the interval file: how much *p grew since the last boundary. */
struct counter {
    char name[160];
    const char *stat;
    const uint64_t *p;
    uint64_t last;
};

struct observe {
    struct soc *soc;
    struct observe_opts opt;
    struct vcd *vcd;
    struct timeline *tl;
    struct outfile csv;
    bool has_csv;
    struct obs_smmu smmu[SCN_MAX_SMMUS];
    struct obs_master master[SCN_MAX_MASTERS];
    struct counter *ctr;
    unsigned nctr, capctr;
    sim_time_t last_boundary;
    bool nomem;
};

/* ---- Names ------------------------------------------------------------------------ */

/* A name as a VCD identifier: anything but [A-Za-z0-9_] becomes '_'. */
static const char *vcd_name(const char *s, char *buf, size_t len)
{
    size_t i = 0;

    for (; s[i] && i + 1 < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        buf[i] = ok ? c : '_';
    }
    buf[i] = '\0';
    return buf;
}

/* A name inside a JSON string: quotes, backslashes and control characters dropped. */
static const char *json_name(const char *s, char *buf, size_t len)
{
    size_t n = 0;

    for (; *s && n + 1 < len; s++)
        if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
            buf[n++] = *s;
    buf[n] = '\0';
    return buf;
}

static const char *smmu_name(const struct observe *o, unsigned i)
{
    return o->soc->desc[i].name;
}

static const char *bank_name(const struct observe *o, unsigned i, unsigned bank,
                             char *buf, size_t len)
{
    const struct smmu_desc *d = &o->soc->desc[i];

    for (unsigned k = 0; k < d->nctx; k++)
        if (d->ctx[k].bank == bank)
            return d->ctx[k].name;
    snprintf(buf, len, "bank%u", bank);
    return buf;
}

static int master_of(const struct observe *o, const struct smmu_txn *t)
{
    for (unsigned m = 0; m < o->soc->scn->nmasters; m++)
        if (t->owner == o->soc->master[m])
            return (int)m;
    return -1;
}

static const char *walk_fault_name(const struct walk_job *job)
{
    switch (job->result.fault) {
    case WALK_OK:               return "none";
    case WALK_TRANSLATION_L1:   return "translation_l1";
    case WALK_TRANSLATION_L2:   return "translation_l2";
    case WALK_ACCESS_FLAG:      return "access_flag";
    case WALK_PERMISSION:       return "permission";
    case WALK_DECODE_ERROR:     return "decode_error";
    case WALK_SLAVE_ERROR:      return "slave_error";
    }
    return "?";
}

/* ---- The timeline's slices ------------------------------------------------------------ */

static void walk_slice(struct obs_smmu *os, unsigned lane, sim_time_t end, const char *fault)
{
    struct observe *o = os->o;
    const struct walk_job *job = os->lane[lane];
    sim_time_t begin = os->lane_t[lane];
    char args[ARGS_MAX], b[16], cn[64];

    os->lane[lane] = NULL;
    if (!timeline_wants(o->tl, begin, end))
        return;
    if (!(os->lane_named & (1ull << lane))) {
        char tn[32];
        snprintf(tn, sizeof(tn), "walker slot %u", lane);
        timeline_thread(o->tl, PID_SMMU(os->idx), lane, tn);
        os->lane_named |= 1ull << lane;
    }
    snprintf(args, sizeof(args), "\"ctx\": \"%s\", \"va\": \"0x%08" PRIx32 "\", "
             "\"queued_ps\": %" PRIu64 ", \"desc_reads\": %u, \"fault\": \"%s\"",
             json_name(bank_name(o, os->idx, os->lane_bank[lane], b, sizeof(b)), cn, sizeof(cn)),
             job->va, begin - job->started, job->result.desc_reads,
             fault ? fault : walk_fault_name(job));
    timeline_slice(o->tl, PID_SMMU(os->idx), lane, "walk", "walk", begin, end, args);
}

static void walk_begin(struct obs_smmu *os, const struct smmu_event_info *e)
{
    for (unsigned lane = 0; lane < MAX_WALK_LANES; lane++) {
        if (!os->lane[lane]) {
            os->lane[lane] = e->walk;
            os->lane_t[lane] = sim_now();
            os->lane_bank[lane] = e->bank;
            return;
        }
    }
}

static void walk_end(struct obs_smmu *os, const struct smmu_event_info *e)
{
    for (unsigned lane = 0; lane < MAX_WALK_LANES; lane++)
        if (os->lane[lane] == e->walk) {
            walk_slice(os, lane, sim_now(), NULL);
            return;
        }
}

/* A TLB operation's busy period on the SMMU's maintenance track. */
static void maint_slice(struct obs_smmu *os, const struct smmu_maint_op *op)
{
    struct observe *o = os->o;
    char args[ARGS_MAX];

    if (!timeline_wants(o->tl, op->start, op->end))
        return;
    if (!os->maint_named) {
        timeline_thread(o->tl, PID_SMMU(os->idx), MAINT_TID, "TLB maintenance");
        os->maint_named = true;
    }
    snprintf(args, sizeof(args), "\"arrived_ps\": %" PRIu64 ", \"vmid\": %u, \"asid\": %u, "
             "\"va\": \"0x%08" PRIx32 "\"", op->at, op->vmid, op->asid, op->va);
    timeline_slice(o->tl, PID_SMMU(os->idx), MAINT_TID, smmu_tlbop_name(op->op), "maint",
                   op->start, op->end, args);
}

static void stall_slice(struct obs_master *om, unsigned lane, sim_time_t end, const char *how)
{
    struct observe *o = om->o;
    const struct smmu_txn *t = om->stall[lane];
    sim_time_t begin = om->stall_t[lane];
    unsigned si = o->soc->scn->master[om->idx].smmu;
    char args[ARGS_MAX], b[16], cn[64], sn[64];

    om->stall[lane] = NULL;
    if (!timeline_wants(o->tl, begin, end))
        return;
    if (!om->stall_named[lane]) {
        char tn[32];
        snprintf(tn, sizeof(tn), "stall %u", lane);
        timeline_thread(o->tl, PID_MASTER(om->idx), lane, tn);
        om->stall_named[lane] = true;
    }
    snprintf(args, sizeof(args), "\"smmu\": \"%s\", \"ctx\": \"%s\", \"iova\": \"0x%08" PRIx32
             "\", \"write\": %d, \"fsr\": \"0x%08" PRIx32 "\", \"resume\": \"%s\"",
             json_name(smmu_name(o, si), sn, sizeof(sn)),
             json_name(bank_name(o, si, t->ctx, b, sizeof(b)), cn, sizeof(cn)), t->iova,
             t->write ? 1 : 0, t->fsr, how);
    timeline_slice(o->tl, PID_MASTER(om->idx), lane, "stall", "stall", begin, end, args);
}

static void stall_begin(struct observe *o, const struct smmu_event_info *e)
{
    int m = master_of(o, e->txn);
    if (m < 0)
        return;
    struct obs_master *om = &o->master[m];
    for (unsigned lane = 0; lane < om->nlanes; lane++) {
        if (!om->stall[lane]) {
            om->stall[lane] = e->txn;
            om->stall_t[lane] = sim_now();
            return;
        }
    }
}

static void stall_end(struct observe *o, const struct smmu_event_info *e)
{
    int m = master_of(o, e->txn);
    if (m < 0)
        return;
    struct obs_master *om = &o->master[m];
    for (unsigned lane = 0; lane < om->nlanes; lane++)
        if (om->stall[lane] == e->txn) {
            stall_slice(om, lane, sim_now(), e->terminate ? "terminate" : "retry");
            return;
        }
}

static void on_step(const struct soc *s, void *arg, unsigned index, sim_time_t driver_ps)
{
    struct observe *o = arg;
    const struct scn_step *st = &s->scn->step[index];
    char args[ARGS_MAX + 128], name[32], list[2][ARGS_MAX / 2], nb[64];
    size_t n[2] = { 0, 0 };

    for (unsigned w = 0; w < 2; w++) {
        const unsigned *idx = w ? st->map : st->unmap;
        unsigned cnt = w ? st->nmap : st->nunmap;
        list[w][0] = '\0';
        for (unsigned i = 0; i < cnt && n[w] < sizeof(list[w]); i++)
            n[w] += (size_t)snprintf(list[w] + n[w], sizeof(list[w]) - n[w], "%s%s",
                                     i ? " " : "",
                                     json_name(s->scn->buffer[idx[i]].name, nb, sizeof(nb)));
    }
    snprintf(name, sizeof(name), "step %u", index);
    snprintf(args, sizeof(args), "\"unmap\": \"%s\", \"map\": \"%s\", \"driver_ps\": %" PRIu64,
             list[0], list[1], driver_ps);
    timeline_slice(o->tl, PID_DRIVER, 0, name, "driver", sim_now(), sim_now() + driver_ps, args);
}

/* ---- The models' events ------------------------------------------------------------- */

static void on_smmu(void *arg, struct smmu *s, const struct smmu_event_info *e)
{
    struct obs_smmu *os = arg;
    struct observe *o = os->o;
    sim_time_t now = sim_now();
    unsigned queued, walks;

    switch (e->ev) {
    case SMMU_EV_WALK_QUEUE:
    case SMMU_EV_WALK_BEGIN:
    case SMMU_EV_WALK_END:
        if (o->vcd) {
            walks = smmu_walks_in_flight(s, &queued);
            vcd_set(o->vcd, os->sig_walks, now, walks);
            vcd_set(o->vcd, os->sig_queued, now, queued);
        }
        if (o->tl && e->ev == SMMU_EV_WALK_BEGIN)
            walk_begin(os, e);
        else if (o->tl && e->ev == SMMU_EV_WALK_END)
            walk_end(os, e);
        break;
    case SMMU_EV_TLB_FILL:
    case SMMU_EV_TLB_INVALIDATE:
        if (o->vcd)
            vcd_set(o->vcd, os->sig_valid, now, tlb_valid_entries(smmu_tlb_now(s)));
        break;
    case SMMU_EV_MAINT_POST:
        /* the busy period is known when the operation is written: [start, end) */
        if (o->vcd && e->maint->end > e->maint->start) {
            vcd_add_at(o->vcd, os->sig_maint, e->maint->start, 1);
            vcd_add_at(o->vcd, os->sig_maint, e->maint->end, -1);
        }
        if (o->tl)
            maint_slice(os, e->maint);
        break;
    case SMMU_EV_STALL:
        if (o->tl)
            stall_begin(o, e);
        break;
    case SMMU_EV_RESUME:
        if (o->tl)
            stall_end(o, e);
        break;
    }
}

static void on_master(void *arg, struct master *m, const struct master_event_info *e)
{
    struct obs_master *om = arg;
    struct observe *o = om->o;
    sim_time_t now = sim_now();

    switch (e->ev) {
    case MASTER_EV_ISSUE:
    case MASTER_EV_COMPLETE:
        if (o->vcd)
            vcd_set(o->vcd, om->sig_out, now, master_in_flight(m));
        if (e->ev == MASTER_EV_COMPLETE && o->has_csv) {
            const struct smmu_txn *t = e->txn;
            stats_hist_add(&om->latency, t->completed - t->issued);
            if (t->status == SMMU_DONE)
                stats_hist_add(&om->translation, t->translated - t->issued);
        }
        break;
    case MASTER_EV_LINE_READY:
        /* a line is in the FIFO from its last burst's completion to its scan-out */
        if (o->vcd && om->sig_fifo >= 0 && e->scanout > now) {
            vcd_set(o->vcd, om->sig_fifo, now, vcd_value(o->vcd, om->sig_fifo) + 1);
            vcd_add_at(o->vcd, om->sig_fifo, e->scanout, -1);
        }
        break;
    }
}

/* ---- The interval file ---------------------------------------------------------------- */

static void add_counter(struct observe *o, const uint64_t *p, const char *stat,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void add_counter(struct observe *o, const uint64_t *p, const char *stat,
                        const char *fmt, ...)
{
    if (o->nctr == o->capctr) {
        unsigned cap = o->capctr ? 2 * o->capctr : 64;
        struct counter *c = realloc(o->ctr, cap * sizeof(*c));
        if (!c) {
            o->nomem = true;
            return;
        }
        o->ctr = c;
        o->capctr = cap;
    }
    struct counter *c = &o->ctr[o->nctr++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->name, sizeof(c->name), fmt, ap);
    va_end(ap);
    c->stat = stat;
    c->p = p;
    c->last = *p;
}

/* The bank of a context name on SMMU i, or -1. */
static int ctx_bank(const struct observe *o, unsigned i, const char *ctx)
{
    const struct smmu_desc *d = &o->soc->desc[i];

    for (unsigned k = 0; k < d->nctx; k++)
        if (!strcmp(d->ctx[k].name, ctx))
            return (int)d->ctx[k].bank;
    return -1;
}

static void declare_counters(struct observe *o)
{
    const struct soc *s = o->soc;
    const struct scenario *scn = s->scn;

    for (unsigned i = 0; i < scn->soc.nsmmus; i++) {
        if (!o->smmu[i].used)
            continue;
        const char *n = smmu_name(o, i);
        const struct smmu_stats *ss = smmu_stats(s->hw[i]);
        const struct tlb_stats *ts = tlb_stats(smmu_tlb_now(s->hw[i]));
        const struct walker_stats *ws = smmu_walker_stats(s->hw[i]);
        add_counter(o, &ss->transactions, "transactions", "smmu.%s", n);
        add_counter(o, &ss->global_faults, "global_faults", "smmu.%s", n);
        add_counter(o, &ts->lookups, "lookups", "smmu.%s.tlb", n);
        add_counter(o, &ts->hits, "hits", "smmu.%s.tlb", n);
        add_counter(o, &ts->misses, "misses", "smmu.%s.tlb", n);
        add_counter(o, &ts->fills, "fills", "smmu.%s.tlb", n);
        add_counter(o, &ts->invalidations, "invalidations", "smmu.%s.tlb", n);
        if (ws) {
            add_counter(o, &ws->walks, "walks", "smmu.%s.walker", n);
            add_counter(o, &ws->desc_reads, "desc_reads", "smmu.%s.walker", n);
            add_counter(o, &ws->faults, "faults", "smmu.%s.walker", n);
        }
        const struct smmu_maint_stats *mt = smmu_maint_stats_now(s->hw[i]);
        add_counter(o, &mt->entries_removed, "entries_removed", "smmu.%s.maint", n);
        add_counter(o, &mt->delayed, "delayed", "smmu.%s.maint", n);
        add_counter(o, &mt->delay_ps, "delay_ps", "smmu.%s.maint", n);
        uint32_t done = 0;      /* banks already declared: two masters may share one */
        for (unsigned m = 0; m < scn->nmasters; m++) {
            int bank = scn->master[m].smmu == i ? ctx_bank(o, i, scn->master[m].ctx) : -1;
            if (bank < 0 || (done & (1u << bank)))
                continue;
            done |= 1u << bank;
            const struct smmu_ctx_stats *c = smmu_ctx_stats(s->hw[i], (unsigned)bank);
            const char *cn = scn->master[m].ctx;
            add_counter(o, &c->translations, "translations", "smmu.%s.ctx.%s", n, cn);
            add_counter(o, &c->hits, "hits", "smmu.%s.ctx.%s", n, cn);
            add_counter(o, &c->misses, "misses", "smmu.%s.ctx.%s", n, cn);
            add_counter(o, &c->merged_misses, "merged_misses", "smmu.%s.ctx.%s", n, cn);
            add_counter(o, &c->walks, "walks", "smmu.%s.ctx.%s", n, cn);
            add_counter(o, &c->desc_reads, "desc_reads", "smmu.%s.ctx.%s", n, cn);
            add_counter(o, &c->faults, "faults", "smmu.%s.ctx.%s", n, cn);
            add_counter(o, &c->stalls, "stalls", "smmu.%s.ctx.%s", n, cn);
            add_counter(o, &c->terminated, "terminated", "smmu.%s.ctx.%s", n, cn);
        }
    }
    for (unsigned m = 0; m < scn->nmasters; m++) {
        const char *n = scn->master[m].name;
        const struct master_stats *ms = master_stats(s->master[m]);
        add_counter(o, &ms->bursts, "bursts", "master.%s", n);
        add_counter(o, &ms->bytes_read, "bytes_read", "master.%s", n);
        add_counter(o, &ms->bytes_written, "bytes_written", "master.%s", n);
        add_counter(o, &ms->errors, "errors", "master.%s", n);
        add_counter(o, &ms->late_frames, "late_frames", "master.%s", n);
        add_counter(o, &ms->underruns, "underruns", "master.%s", n);
    }
}

/* A number as the statistics files print one: "%.6f" without trailing zeros. */
static void put_f64(FILE *f, double v)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%.6f", v);

    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = '\0';
    fputs(buf, f);
}

static void hist_rows(FILE *f, sim_time_t a, sim_time_t b, const char *master,
                      const char *what, const struct stats_hist *h)
{
    static const struct { const char *stat; double p; } q[] = {
        { "min", 0.0 }, { "p50", 0.50 }, { "p90", 0.90 }, { "p99", 0.99 }, { "max", 1.0 },
    };

    fprintf(f, "%" PRIu64 ",%" PRIu64 ",master.%s.%s,count,%" PRIu64 "\n", a, b, master, what,
            h->count);
    fprintf(f, "%" PRIu64 ",%" PRIu64 ",master.%s.%s,mean,", a, b, master, what);
    if (h->count)
        put_f64(f, stats_hist_mean(h) / 1000.0);
    fputc('\n', f);
    for (size_t k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
        fprintf(f, "%" PRIu64 ",%" PRIu64 ",master.%s.%s,%s,", a, b, master, what, q[k].stat);
        if (h->count)
            put_f64(f, (double)stats_hist_quantile(h, q[k].p) / 1000.0);
        fputc('\n', f);
    }
}

/* The rows of the interval that ends at boundary b. */
static void interval_rows(struct observe *o, sim_time_t b)
{
    FILE *f = o->csv.f;
    sim_time_t a = b - o->opt.interval;

    for (unsigned i = 0; i < o->nctr; i++) {
        struct counter *c = &o->ctr[i];
        fprintf(f, "%" PRIu64 ",%" PRIu64 ",%s,%s,%" PRIu64 "\n", a, b, c->name, c->stat,
                *c->p - c->last);
        c->last = *c->p;
    }
    for (unsigned m = 0; m < o->soc->scn->nmasters; m++) {
        struct obs_master *om = &o->master[m];
        const char *n = o->soc->scn->master[m].name;
        hist_rows(f, a, b, n, "latency_ns", &om->latency);
        hist_rows(f, a, b, n, "translation_ns", &om->translation);
        memset(&om->latency, 0, sizeof(om->latency));
        memset(&om->translation, 0, sizeof(om->translation));
    }
    o->last_boundary = b;
}

static void on_sample(const struct soc *s, void *arg, sim_time_t boundary)
{
    (void)s;
    interval_rows(arg, boundary);
}

/* ---- Set-up ------------------------------------------------------------------------ */

static void declare_vcd(struct observe *o)
{
    const struct soc *s = o->soc;
    const struct scenario *scn = s->scn;
    char nb[64];

    vcd_scope(o->vcd, "iommusim");
    vcd_scope(o->vcd, "smmu");
    for (unsigned i = 0; i < scn->soc.nsmmus; i++) {
        struct obs_smmu *os = &o->smmu[i];
        if (!os->used)
            continue;
        vcd_scope(o->vcd, vcd_name(smmu_name(o, i), nb, sizeof(nb)));
        os->sig_walks = vcd_signal(o->vcd, "walks", 32, 0);
        os->sig_queued = vcd_signal(o->vcd, "walks_queued", 32, 0);
        os->sig_valid = vcd_signal(o->vcd, "tlb_valid", 32,
                                   tlb_valid_entries(smmu_tlb_now(s->hw[i])));
        os->sig_maint = vcd_signal(o->vcd, "maint_busy", 32, 0);
        vcd_upscope(o->vcd);
    }
    vcd_upscope(o->vcd);
    vcd_scope(o->vcd, "master");
    for (unsigned m = 0; m < scn->nmasters; m++) {
        struct obs_master *om = &o->master[m];
        vcd_scope(o->vcd, vcd_name(scn->master[m].name, nb, sizeof(nb)));
        om->sig_out = vcd_signal(o->vcd, "outstanding", 32, 0);
        om->sig_fifo = scn->master[m].cfg.fifo_lines ? vcd_signal(o->vcd, "fifo_level", 32, 0) : -1;
        vcd_upscope(o->vcd);
    }
    vcd_upscope(o->vcd);
    vcd_upscope(o->vcd);
    vcd_begin(o->vcd);
}

static void declare_timeline(struct observe *o)
{
    const struct scenario *scn = o->soc->scn;
    char name[96], nb[64];

    timeline_process(o->tl, PID_DRIVER, "driver");
    timeline_thread(o->tl, PID_DRIVER, 0, "steps");
    for (unsigned i = 0; i < scn->soc.nsmmus; i++) {
        if (!o->smmu[i].used)
            continue;
        snprintf(name, sizeof(name), "smmu %s", json_name(smmu_name(o, i), nb, sizeof(nb)));
        timeline_process(o->tl, PID_SMMU(i), name);
    }
    for (unsigned m = 0; m < scn->nmasters; m++) {
        snprintf(name, sizeof(name), "master %s", json_name(scn->master[m].name, nb, sizeof(nb)));
        timeline_process(o->tl, PID_MASTER(m), name);
    }
}

static void free_masters(struct observe *o)
{
    for (unsigned m = 0; m < SCN_MAX_MASTERS; m++) {
        free(o->master[m].stall);
        free(o->master[m].stall_t);
        free(o->master[m].stall_named);
    }
}

/* Unhooks from the SoC: it may run on (or be freed) without this. */
static void detach(struct observe *o)
{
    struct soc *s = o->soc;

    for (unsigned i = 0; i < s->scn->soc.nsmmus; i++)
        smmu_set_observer(s->hw[i], NULL, NULL);
    for (unsigned m = 0; m < s->scn->nmasters; m++)
        master_set_observer(s->master[m], NULL, NULL);
    s->sample = NULL;
    s->step = NULL;
}

void observe_abort(struct observe *o)
{
    if (!o)
        return;
    detach(o);
    vcd_abort(o->vcd);
    timeline_abort(o->tl);
    if (o->has_csv)
        outfile_abort(&o->csv);
    free_masters(o);
    free(o->ctr);
    free(o);
}

/* "OPT WHY" in err; NULL. */
static struct observe *attach_fail(struct observe *o, char *err, size_t len, const char *opt,
                                   const char *why)
{
    snprintf(err, len, "%s %s", opt, why);
    observe_abort(o);
    return NULL;
}

static struct observe *attach(struct soc *s, const struct observe_opts *opt, char *err,
                              size_t len)
{
    const struct scenario *scn = s->scn;
    char why[1024];

    const char *first = opt->interval ? "--stats-interval" : opt->vcd_path ? "--vcd" : "--timeline";
    struct observe *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, len, "%s: out of memory", first);
        return NULL;
    }
    o->soc = s;
    o->opt = *opt;
    for (unsigned i = 0; i < SCN_MAX_SMMUS; i++)
        o->smmu[i] = (struct obs_smmu){ .o = o, .idx = i, .sig_walks = -1, .sig_queued = -1,
                                        .sig_valid = -1, .sig_maint = -1 };
    for (unsigned m = 0; m < scn->nmasters; m++) {
        struct obs_master *om = &o->master[m];
        unsigned n = scn->master[m].cfg.max_outstanding;
        om->o = o;
        om->idx = m;
        om->sig_out = om->sig_fifo = -1;
        om->nlanes = n;
        om->stall = calloc(n, sizeof(*om->stall));
        om->stall_t = calloc(n, sizeof(*om->stall_t));
        om->stall_named = calloc(n, sizeof(*om->stall_named));
        if (!om->stall || !om->stall_t || !om->stall_named)
            return attach_fail(o, err, len, first, "out of memory");
        o->smmu[scn->master[m].smmu].used = true;
    }
    if (opt->interval) {
        if (outfile_open(&o->csv, opt->interval_path, why, sizeof(why)))
            return attach_fail(o, err, len, "--stats-interval:", why);
        o->has_csv = true;
        fprintf(o->csv.f, "interval_start_ps,interval_end_ps,name,stat,value\n");
        declare_counters(o);
        if (o->nomem)
            return attach_fail(o, err, len, "--stats-interval:", "out of memory");
        s->sample_period = opt->interval;
        s->sample_next = opt->interval;
        s->sample = on_sample;
    }
    if (opt->vcd_path) {
        if (!(o->vcd = vcd_open(opt->vcd_path, why, sizeof(why))))
            return attach_fail(o, err, len, "--vcd:", why);
        declare_vcd(o);
    }
    if (opt->timeline_path) {
        o->tl = timeline_open(opt->timeline_path, opt->window_start, opt->window_end, why,
                              sizeof(why));
        if (!o->tl)
            return attach_fail(o, err, len, "--timeline:", why);
        declare_timeline(o);
        s->step = on_step;
    }
    s->observe_arg = o;
    for (unsigned i = 0; i < scn->soc.nsmmus; i++)
        if (o->smmu[i].used && (o->vcd || o->tl))
            smmu_set_observer(s->hw[i], on_smmu, &o->smmu[i]);
    for (unsigned m = 0; m < scn->nmasters; m++)
        if (o->vcd || o->has_csv)
            master_set_observer(s->master[m], on_master, &o->master[m]);
    return o;
}

int observe_attach(struct soc *s, const struct observe_opts *opt, struct observe **out,
                   char *err, size_t len)
{
    const struct scenario *scn = s->scn;

    *out = NULL;
    if (!opt->interval && !opt->vcd_path && !opt->timeline_path)
        return 0;
    const char *first = opt->interval ? "--stats-interval" : opt->vcd_path ? "--vcd" : "--timeline";
    if (scn->mode != SCN_TIMING) {
        snprintf(err, len, "%s needs a timing run: the functional mode has no time "
                 "(drop it, or run with --mode timing)", first);
        return -EINVAL;
    }
    if (opt->interval && scn->duration / opt->interval > OBSERVE_MAX_INTERVALS) {
        snprintf(err, len, "--stats-interval %" PRIu64 " ps gives more than %u intervals "
                 "over the scenario's duration of %" PRIu64 " ps", opt->interval,
                 OBSERVE_MAX_INTERVALS, scn->duration);
        return -EINVAL;
    }
    if (opt->timeline_path && opt->window_start >= opt->window_end) {
        snprintf(err, len, "--timeline-window: the window is empty");
        return -EINVAL;
    }
    *out = attach(s, opt, err, len);
    return *out ? 0 : -EIO;
}

/* What is still open at the end of the run ends there. */
static void close_slices(struct observe *o, sim_time_t end)
{
    for (unsigned i = 0; i < SCN_MAX_SMMUS; i++)
        for (unsigned lane = 0; lane < MAX_WALK_LANES; lane++)
            if (o->smmu[i].lane[lane])
                walk_slice(&o->smmu[i], lane, end, "unfinished");
    for (unsigned m = 0; m < o->soc->scn->nmasters; m++)
        for (unsigned lane = 0; lane < o->master[m].nlanes; lane++)
            if (o->master[m].stall[lane])
                stall_slice(&o->master[m], lane, end, "none");
}

int observe_finish(struct observe *o, char *err, size_t len)
{
    sim_time_t end = o->soc->end;
    char why[1024];
    int rc = 0, r;

    detach(o);
    if (o->has_csv) {
        /* the interval the run ended in holds what the last boundary did not */
        interval_rows(o, o->last_boundary + o->opt.interval);
        o->has_csv = false;
        if ((r = outfile_commit(&o->csv, why, sizeof(why))) && !rc) {
            rc = r;
            snprintf(err, len, "--stats-interval: %s", why);
        }
    }
    if (o->vcd) {
        r = vcd_close(o->vcd, end, why, sizeof(why));
        o->vcd = NULL;
        if (r && !rc) {
            rc = r;
            snprintf(err, len, "--vcd: %s", why);
        }
    }
    if (o->tl) {
        close_slices(o, end);
        r = timeline_close(o->tl, why, sizeof(why));
        o->tl = NULL;
        if (r && !rc) {
            rc = r;
            snprintf(err, len, "--timeline: %s", why);
        }
    }
    observe_abort(o);
    return rc;
}
