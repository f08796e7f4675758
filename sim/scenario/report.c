/*
 * report.c - a run's results: the named statistics (stats.json, stats.csv) and the
 * table printed at the end of `iommusim run`, plus the listing of `iommusim info`.
 *
 * Names follow the models: smmu.NAME.* for an SMMU (its TLB, walker and each context
 * bank under ctx.CONTEXT), driver.CONTEXT.* for the driver's work on a context
 * (mappings by page size, TLB invalidations), master.NAME.* for a master,
 * buffer.NAME.* for a buffer's IOVAs and page-size mix, dram.*, fabric.* and l2.* for the
 * memory system, run.* for the run. Only what is deterministic goes into the
 * registry; wall-clock figures are printed, never stored. docs/stats.md lists the
 * names.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/smmu_regs.h"
#include "sim/core/util.h"
#include "sim/scenario/soc.h"

static const char *const size_names[PAGE_SIZES] = { "4k", "64k", "1m", "16m" };

/* The context whose bank this is, for names; "bankN" when no context has it. */
static const char *bank_name(const struct smmu_desc *d, unsigned bank, char *buf, size_t len)
{
    for (unsigned i = 0; i < d->nctx; i++)
        if (d->ctx[i].bank == bank)
            return d->ctx[i].name;
    snprintf(buf, len, "bank%u", bank);
    return buf;
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static double master_bandwidth_MBps(const struct master_stats *ms)
{
    sim_time_t span = ms->last_done > ms->first_issue ? ms->last_done - ms->first_issue : 0;

    return span ? (double)(ms->bytes_read + ms->bytes_written) * 1e6 / (double)span : 0.0;
}

static bool smmu_used(const struct soc *s, unsigned i)
{
    return smmu_stats(s->hw[i])->transactions || tlb_stats(smmu_tlb(s->hw[i]))->invalidations;
}

/* Free text of the input (the scenario's and the SoC's names) shown in the report: at
 * most this many bytes, each control character as \xNN (sim/core/util.h). */
#define REPORT_TEXT_MAX 256

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

static int collect_smmu(const struct soc *s, unsigned i, struct stats *st)
{
    const struct smmu_desc *d = &s->desc[i];
    const struct smmu_stats *ss = smmu_stats(s->hw[i]);
    const struct tlb_stats *ts = tlb_stats(smmu_tlb(s->hw[i]));
    const struct walker_stats *ws = smmu_walker_stats(s->hw[i]);
    const char *n = d->name;
    char b[16];

    TRY(stats_add_u64(st, ss->transactions, "smmu.%s.transactions", n));
    TRY(stats_add_u64(st, ss->global_faults, "smmu.%s.global_faults", n));
    TRY(stats_add_u64(st, ss->irqs, "smmu.%s.irqs", n));
    TRY(stats_add_u64(st, ts->lookups, "smmu.%s.tlb.lookups", n));
    TRY(stats_add_u64(st, ts->hits, "smmu.%s.tlb.hits", n));
    TRY(stats_add_u64(st, ts->misses, "smmu.%s.tlb.misses", n));
    TRY(stats_add_f64(st, ratio(ts->misses, ts->lookups), "smmu.%s.tlb.miss_rate", n));
    TRY(stats_add_u64(st, ts->fills, "smmu.%s.tlb.fills", n));
    TRY(stats_add_u64(st, ts->evictions, "smmu.%s.tlb.evictions", n));
    TRY(stats_add_u64(st, ts->invalidations, "smmu.%s.tlb.invalidations", n));
    for (unsigned k = 0; k < PAGE_SIZES; k++)
        TRY(stats_add_u64(st, ts->fills_by_size[k], "smmu.%s.tlb.fills_%s", n, size_names[k]));
    /* The timed walker's own counters; the functional mode walks without it (its
     * walks are in the contexts' counters). */
    if (s->scn->mode == SCN_TIMING && ws) {
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "smmu.%s.walker", n);
        TRY(walker_register_stats(smmu_walker(s->hw[i]), st, prefix));
    }
    const struct smmu_maint_stats *ms = smmu_maint_stats(s->hw[i]);
    for (unsigned k = 0; k < SMMU_TLBOPS; k++)
        TRY(stats_add_u64(st, ms->ops[k], "smmu.%s.maint.%s", n,
                          smmu_tlbop_name((enum smmu_tlbop)k)));
    TRY(stats_add_u64(st, ms->entries_removed, "smmu.%s.maint.entries_removed", n));
    TRY(stats_add_u64(st, ms->busy_ps, "smmu.%s.maint.busy_ps", n));
    TRY(stats_add_u64(st, ms->delayed, "smmu.%s.maint.delayed", n));
    TRY(stats_add_u64(st, ms->delay_ps, "smmu.%s.maint.delay_ps", n));
    for (unsigned bank = 0; bank < d->nbanks; bank++) {
        const struct smmu_ctx_stats *c = smmu_ctx_stats(s->hw[i], bank);
        const char *cn = bank_name(d, bank, b, sizeof(b));
        if (!c->translations && !c->bypassed && !c->faults)
            continue;
        TRY(stats_add_u64(st, c->translations, "smmu.%s.ctx.%s.translations", n, cn));
        TRY(stats_add_u64(st, c->hits, "smmu.%s.ctx.%s.hits", n, cn));
        TRY(stats_add_u64(st, c->misses, "smmu.%s.ctx.%s.misses", n, cn));
        TRY(stats_add_f64(st, ratio(c->misses, c->translations), "smmu.%s.ctx.%s.miss_rate",
                          n, cn));
        TRY(stats_add_u64(st, c->merged_misses, "smmu.%s.ctx.%s.merged_misses", n, cn));
        TRY(stats_add_u64(st, c->walks, "smmu.%s.ctx.%s.walks", n, cn));
        TRY(stats_add_u64(st, c->desc_reads, "smmu.%s.ctx.%s.desc_reads", n, cn));
        TRY(stats_add_u64(st, c->faults, "smmu.%s.ctx.%s.faults", n, cn));
        TRY(stats_add_u64(st, c->faults_translation, "smmu.%s.ctx.%s.faults_translation", n,
                          cn));
        TRY(stats_add_u64(st, c->faults_permission, "smmu.%s.ctx.%s.faults_permission", n,
                          cn));
        TRY(stats_add_u64(st, c->faults_access_flag, "smmu.%s.ctx.%s.faults_access_flag", n,
                          cn));
        TRY(stats_add_u64(st, c->faults_tlb_miss, "smmu.%s.ctx.%s.faults_tlb_miss", n, cn));
        TRY(stats_add_u64(st, c->faults_multi_hit, "smmu.%s.ctx.%s.faults_multi_hit", n,
                          cn));
        TRY(stats_add_u64(st, c->stalls, "smmu.%s.ctx.%s.stalls", n, cn));
        TRY(stats_add_u64(st, c->terminated, "smmu.%s.ctx.%s.terminated", n, cn));
        TRY(stats_add_u64(st, c->bypassed, "smmu.%s.ctx.%s.bypassed", n, cn));
        TRY(stats_add_u64(st, c->faults_walk_error, "smmu.%s.ctx.%s.faults_walk_error", n,
                          cn));
    }
    return 0;
}

/* The driver's work per context instance attached to a domain. */
static int collect_driver(const struct soc *s, struct stats *st)
{
    for (unsigned d = 0; d < s->scn->soc.ndomains; d++) {
        for (unsigned i = 0; i < ion_domain_num_devs(s->ion, (int)d); i++) {
            struct vcm_dev *dev = ion_domain_dev(s->ion, (int)d, i);
            const struct smmu_dev_stats *ds = smmu_dev_stats(vcm_dev_smmu(dev));
            const char *n = vcm_dev_name(dev);
            /* a context of a shared table may write no table entry and still be
             * invalidated: work is either */
            uint64_t work = ds->tlbi_va + ds->tlbi_asid + ds->tlbi_ctx;
            for (unsigned k = 0; k < PAGE_SIZES; k++)
                work += ds->maps[k] + ds->unmaps[k];
            if (!work)
                continue;
            for (unsigned k = 0; k < PAGE_SIZES; k++)
                TRY(stats_add_u64(st, ds->maps[k], "driver.%s.maps_%s", n, size_names[k]));
            for (unsigned k = 0; k < PAGE_SIZES; k++)
                TRY(stats_add_u64(st, ds->unmaps[k], "driver.%s.unmaps_%s", n,
                                  size_names[k]));
            TRY(stats_add_u64(st, ds->l2_tables, "driver.%s.l2_tables", n));
            TRY(stats_add_u64(st, ds->tlbi_va, "driver.%s.tlbi_va", n));
            TRY(stats_add_u64(st, ds->tlbi_asid, "driver.%s.tlbi_asid", n));
            TRY(stats_add_u64(st, ds->tlbi_ctx, "driver.%s.tlbi_ctx", n));
        }
    }
    return 0;
}

/* Whether a context of SMMU i is attached to a domain (the driver programmed it). */
static bool smmu_attached(const struct soc *s, unsigned i)
{
    struct smmu_driver *drv = smmu_tree_driver(s->tree, i);

    for (unsigned d = 0; d < s->scn->soc.ndomains; d++)
        for (unsigned k = 0; k < ion_domain_num_devs(s->ion, (int)d); k++)
            if (smmu_dev_driver(vcm_dev_smmu(ion_domain_dev(s->ion, (int)d, k))) == drv)
                return true;
    return false;
}

/*
 * What the driver's own work cost on one SMMU: register accesses over the
 * configuration port (TLB maintenance among them) and cache cleans of table memory.
 */
static int collect_driver_costs(const struct soc *s, unsigned i, struct stats *st)
{
    const struct smmu_driver_stats *d = smmu_driver_stats(smmu_tree_driver(s->tree, i));
    const char *n = s->desc[i].name;

    TRY(stats_add_u64(st, d->mmio_reads, "smmu.%s.driver.mmio_reads", n));
    TRY(stats_add_u64(st, d->mmio_writes, "smmu.%s.driver.mmio_writes", n));
    TRY(stats_add_u64(st, d->tlbi_writes, "smmu.%s.driver.tlbi_writes", n));
    TRY(stats_add_u64(st, d->clean_lines, "smmu.%s.driver.clean_lines", n));
    TRY(stats_add_u64(st, d->clean_alls, "smmu.%s.driver.clean_alls", n));
    TRY(stats_add_u64(st, d->mmio_ps, "smmu.%s.driver.mmio_ps", n));
    TRY(stats_add_u64(st, d->maint_ps, "smmu.%s.driver.maint_ps", n));
    TRY(stats_add_u64(st, d->clean_ps, "smmu.%s.driver.clean_ps", n));
    TRY(stats_add_u64(st, d->mmio_ps + d->clean_ps, "smmu.%s.driver.time_ps", n));
    return 0;
}

/* The driver's time over every SMMU, and its profile. */
static int collect_driver_totals(const struct soc *s, struct stats *st)
{
    sim_time_t mmio = 0, maint = 0, clean = 0;

    for (unsigned i = 0; i < s->scn->soc.nsmmus; i++) {
        const struct smmu_driver_stats *d = smmu_driver_stats(smmu_tree_driver(s->tree, i));
        mmio += d->mmio_ps;
        maint += d->maint_ps;
        clean += d->clean_ps;
    }
    TRY(stats_add_str(st, s->scn->soc.driver.profile->name, "run.driver.profile"));
    TRY(stats_add_u64(st, mmio + clean, "run.driver.time_ps"));
    /* setup: building the SoC (probe, attach, the buffers' first mappings); steps: the
     * rest (the scenario's driver steps, fault handling) */
    TRY(stats_add_u64(st, s->driver_setup_ps, "run.driver.setup_ps"));
    TRY(stats_add_u64(st, mmio + clean - s->driver_setup_ps, "run.driver.steps_ps"));
    TRY(stats_add_u64(st, maint, "run.driver.maint_ps"));
    TRY(stats_add_u64(st, clean, "run.driver.clean_ps"));
    return 0;
}

/*
 * More quantiles than stats_add_hist's, for a distribution plot: p01 .. p999 beside
 * its p50, p90 and p99 (pNN is the NN/100 quantile, p999 the 0.999 one).
 */
static int add_cdf(struct stats *st, const struct stats_hist *h, const char *fmt,
                   const char *name)
{
    static const struct { const char *suffix; double p; } q[] = {
        { "p01", 0.01 }, { "p05", 0.05 }, { "p10", 0.10 }, { "p25", 0.25 },
        { "p75", 0.75 }, { "p95", 0.95 }, { "p999", 0.999 },
    };
    char prefix[256];

    snprintf(prefix, sizeof(prefix), fmt, name);
    for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
        TRY(stats_add_f64(st, (double)stats_hist_quantile(h, q[i].p) / 1000.0, "%s.%s",
                          prefix, q[i].suffix));
    return 0;
}

bool soc_master_all_faulted(const struct soc *s, unsigned i)
{
    const struct master_stats *ms = master_stats(s->master[i]);

    return ms->bursts && ms->errors == ms->bursts;
}

void soc_all_faulted_warning(const struct soc *s, unsigned i, char *buf, size_t len)
{
    const struct master_stats *ms = master_stats(s->master[i]);
    const struct scn_master *m = &s->scn->master[i];

    snprintf(buf, len, "WARNING: every access of master %s faulted (%" PRIu64 " of %" PRIu64
             " bursts): context %s translates none of its addresses or allows none of its "
             "accesses%s", m->name, ms->errors,
             ms->bursts, m->ctx,
             m->trace ? "; to replay a captured trace, pin its buffers at the IOVAs it uses "
                        "(buffers.NAME.iova, docs/scenarios.md)" : "");
}

static int collect_master(const struct soc *s, unsigned i, struct stats *st)
{
    const struct master_stats *ms = master_stats(s->master[i]);
    const char *n = s->scn->master[i].name;

    TRY(stats_add_str(st, s->scn->master[i].ctx, "master.%s.context", n));
    TRY(stats_add_u64(st, s->scn->master[i].cfg.mid, "master.%s.mid", n));
    TRY(stats_add_u64(st, ms->accesses, "master.%s.accesses", n));
    TRY(stats_add_u64(st, ms->bursts, "master.%s.bursts", n));
    TRY(stats_add_u64(st, ms->bytes_read, "master.%s.bytes_read", n));
    TRY(stats_add_u64(st, ms->bytes_written, "master.%s.bytes_written", n));
    TRY(stats_add_u64(st, ms->errors, "master.%s.errors", n));
    if (soc_master_all_faulted(s, i))
        TRY(stats_add_u64(st, 1, "master.%s.all_faulted", n));
    TRY(stats_add_u64(st, ms->frames, "master.%s.frames", n));
    TRY(stats_add_u64(st, ms->late_frames, "master.%s.late_frames", n));
    TRY(stats_add_u64(st, ms->lines, "master.%s.lines", n));
    TRY(stats_add_u64(st, ms->underruns, "master.%s.underruns", n));
    TRY(stats_add_u64(st, ms->first_issue, "master.%s.first_issue_ps", n));
    TRY(stats_add_u64(st, ms->last_done, "master.%s.last_done_ps", n));
    TRY(stats_add_f64(st, master_bandwidth_MBps(ms), "master.%s.bandwidth_MBps", n));
    if (s->scn->master[i].isolation_check) {
        const struct soc_source *src = s->source[i];
        TRY(stats_add_u64(st, src->checked, "master.%s.isolation.checked", n));
        TRY(stats_add_u64(st, src->foreign_reads, "master.%s.isolation.foreign_reads", n));
        TRY(stats_add_u64(st, src->foreign_writes, "master.%s.isolation.foreign_writes", n));
    }
    TRY(stats_add_hist(st, &ms->latency, 1000.0, "master.%s.latency_ns", n));
    TRY(stats_add_hist(st, &ms->translation, 1000.0, "master.%s.translation_ns", n));
    return add_cdf(st, &ms->translation, "master.%s.translation_ns", n);
}

static int collect_buffer(const struct soc *s, unsigned i, struct stats *st)
{
    const struct soc_buffer *b = &s->buffer[i];
    const char *n = b->scn->name;

    TRY(stats_add_u64(st, b->scn->size, "buffer.%s.size", n));
    TRY(stats_add_str(st, vcm_map_policy_name(b->scn->policy), "buffer.%s.policy", n));
    TRY(stats_add_u64(st, b->maps, "buffer.%s.maps", n));
    TRY(stats_add_u64(st, b->unmaps, "buffer.%s.unmaps", n));
    for (unsigned k = 0; k < b->scn->ndomains; k++) {
        int d = b->scn->domain[k];
        const char *dn = s->scn->soc.domain[d].name;
        TRY(stats_add_u64(st, b->iova[d], "buffer.%s.%s.iova", n, dn));
        for (unsigned z = 0; z < PAGE_SIZES; z++)
            TRY(stats_add_u64(st, b->mix[d].count[z], "buffer.%s.%s.pages_%s", n, dn,
                              size_names[z]));
    }
    return 0;
}

static int collect_memory(const struct soc *s, struct stats *st)
{
    const struct scn_soc *c = &s->scn->soc;

    for (unsigned ch = 0; ch < c->dram.channels; ch++) {
        const struct dram_channel_stats *ds = dram_channel_stats(s->dram, ch);
        TRY(stats_add_u64(st, ds->requests, "dram.ch%u.requests", ch));
        TRY(stats_add_u64(st, ds->bytes, "dram.ch%u.bytes", ch));
        TRY(stats_add_u64(st, ds->busy, "dram.ch%u.busy_ps", ch));
        TRY(stats_add_u64(st, ds->queue_delay, "dram.ch%u.queue_delay_ps", ch));
    }
    for (unsigned i = 0; i < c->nsmmus; i++) {
        const struct fabric_port_stats *fs = fabric_port_stats(s->fabric, i);
        if (!fs->requests)
            continue;
        TRY(stats_add_u64(st, fs->requests, "fabric.%s.requests", c->smmu[i].desc.name));
        TRY(stats_add_u64(st, fs->bytes, "fabric.%s.bytes", c->smmu[i].desc.name));
        TRY(stats_add_u64(st, fs->wait, "fabric.%s.gateway_wait_ps", c->smmu[i].desc.name));
    }
    /* the shared L2 sees only walks, which the functional mode does not time */
    if (s->l2 && s->scn->mode == SCN_TIMING)
        TRY(l2cache_register_stats(s->l2, st, "l2"));
    return 0;
}

/*
 * The drivers' fault logs, in the style of the VT-d DMAR reports: the first
 * SMMU_FAULT_LOG_SIZE faults of each SMMU, and how many more were dropped.
 */
static int collect_faults(const struct soc *s, struct stats *st)
{
    for (unsigned i = 0; i < s->scn->soc.nsmmus; i++) {
        struct smmu_driver *drv = smmu_tree_driver(s->tree, i);
        unsigned n = smmu_fault_log_count(drv);
        uint64_t dropped = smmu_fault_log_dropped(drv);
        const char *name = s->desc[i].name;

        if (!n && !dropped)
            continue;
        TRY(stats_add_u64(st, n, "faults.%s.logged", name));
        TRY(stats_add_u64(st, dropped, "faults.%s.dropped", name));
        for (unsigned k = 0; k < n; k++)
            TRY(stats_add_str(st, smmu_fault_log_entry(drv, k)->msg, "faults.%s.log.%02u",
                              name, k));
    }
    return 0;
}

/* A context bank left stalled at the end (FSR.SS), and the bursts waiting on it. */
static bool bank_stalled(const struct soc *s, unsigned i, unsigned bank)
{
    return smmu_mmio_read(s->hw[i], SMMU_CTX_REG(bank, SMMU_FSR)) & FSR_SS;
}

static uint64_t waiting_on(const struct soc *s, unsigned smmu)
{
    uint64_t n = 0;

    for (unsigned m = 0; m < s->scn->nmasters; m++)
        if (s->scn->master[m].smmu == smmu)
            n += master_in_flight(s->master[m]);
    return n;
}

static int collect_stalls(const struct soc *s, struct stats *st)
{
    char b[16];

    for (unsigned i = 0; i < s->scn->soc.nsmmus; i++)
        for (unsigned bank = 0; bank < s->desc[i].nbanks; bank++)
            if (bank_stalled(s, i, bank))
                TRY(stats_add_u64(st, waiting_on(s, i), "run.stalled.%s.%s.waiting_bursts",
                                  s->desc[i].name, bank_name(&s->desc[i], bank, b,
                                                             sizeof(b))));
    return 0;
}

int soc_collect_run(const struct scenario *scn, bool complete, struct stats *st)
{
    TRY(stats_add_str(st, scn->name, "run.scenario"));
    TRY(stats_add_str(st, scenario_mode_name(scn->mode), "run.mode"));
    TRY(stats_add_u64(st, scn->seed, "run.seed"));
    return stats_add_u64(st, complete, "run.complete");
}

int soc_write_histograms(const struct soc *s, const char *path, char *err, size_t errlen)
{
    unsigned n = s->scn->nmasters;
    const struct stats_hist **h = calloc(n ? n : 1, sizeof(*h));
    char **names = calloc(n ? n : 1, sizeof(*names));
    int rc = h && names ? 0 : -ENOMEM;

    for (unsigned i = 0; !rc && i < n; i++) {
        const char *m = s->scn->master[i].name;
        size_t len = strlen("master..translation_ps") + strlen(m) + 1;
        h[i] = &master_stats(s->master[i])->translation;
        if (!(names[i] = malloc(len)))
            rc = -ENOMEM;
        else
            snprintf(names[i], len, "master.%s.translation_ps", m);
    }
    if (rc)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
    else
        rc = stats_hists_write_file(path, n, (const char *const *)names, h, err, errlen);
    for (unsigned i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
    free(h);
    return rc;
}

int soc_collect_stats(const struct soc *s, struct stats *st)
{
    uint64_t bursts = 0;

    for (unsigned i = 0; i < s->scn->nmasters; i++)
        bursts += master_stats(s->master[i])->bursts;
    TRY(soc_collect_run(s->scn, s->complete, st));
    TRY(stats_add_u64(st, s->end, "run.sim_time_ps"));
    TRY(stats_add_u64(st, bursts, "run.transactions"));
    TRY(collect_stalls(s, st));
    TRY(collect_driver_totals(s, st));
    for (unsigned i = 0; i < s->scn->soc.nsmmus; i++) {
        if (smmu_used(s, i))
            TRY(collect_smmu(s, i, st));
        if (smmu_used(s, i) || smmu_attached(s, i))
            TRY(collect_driver_costs(s, i, st));
    }
    TRY(collect_driver(s, st));
    for (unsigned i = 0; i < s->scn->nmasters; i++)
        TRY(collect_master(s, i, st));
    for (unsigned i = 0; i < s->scn->nbuffers; i++)
        TRY(collect_buffer(s, i, st));
    TRY(collect_faults(s, st));
    if (s->isolation) {
        TRY(stats_add_u64(st, s->victim_buffers, "isolation.victim_buffers"));
        TRY(stats_add_u64(st, s->victim_bytes, "isolation.victim_bytes"));
        TRY(stats_add_u64(st, s->victims_changed, "isolation.victims_changed"));
        if (s->pt_checked)
            TRY(stats_add_u64(st, s->pt_changed, "isolation.page_tables_changed"));
    }
    return collect_memory(s, st);
}

/* ---- The printed report ----------------------------------------------------------------- */

static void print_rule(FILE *out, int width)
{
    for (int i = 0; i < width; i++)
        fputc('-', out);
    fputc('\n', out);
}

/* The first few logged faults of every SMMU, and how many there were in all. */
static void print_faults(const struct soc *s, FILE *out)
{
    enum { SHOWN = 8 };

    for (unsigned i = 0; i < s->scn->soc.nsmmus; i++) {
        struct smmu_driver *drv = smmu_tree_driver(s->tree, i);
        unsigned n = smmu_fault_log_count(drv);
        uint64_t total = n + smmu_fault_log_dropped(drv);

        if (!total)
            continue;
        fprintf(out, "\nfaults on %s: %" PRIu64 "%s\n", s->desc[i].name, total,
                total > n ? " (the log keeps the first ones)" : "");
        for (unsigned k = 0; k < n && k < SHOWN; k++)
            fprintf(out, "  %s\n", smmu_fault_log_entry(drv, k)->msg);
        if (total > SHOWN)
            fprintf(out, "  ... %" PRIu64 " more\n", total - SHOWN);
    }
}

void soc_print_report(const struct soc *s, FILE *out, double wall)
{
    const struct scenario *scn = s->scn;
    char b[16], name[4 * REPORT_TEXT_MAX + 1];
    uint64_t bursts = 0;

    fprintf(out, "scenario %s (%s mode, seed %" PRIu64 ")\n\n",
            ctl_escape(name, sizeof(name), scn->name),
            scenario_mode_name(scn->mode), scn->seed);
    fprintf(out, "%-9s %-16s %12s %12s %10s %11s %9s %10s %8s\n", "smmu", "context",
            "translations", "tlb hits", "misses", "miss rate", "walks", "desc reads",
            "faults");
    print_rule(out, 107);
    for (unsigned i = 0; i < scn->soc.nsmmus; i++) {
        const struct smmu_desc *d = &s->desc[i];
        if (!smmu_used(s, i))
            continue;
        for (unsigned bank = 0; bank < d->nbanks; bank++) {
            const struct smmu_ctx_stats *c = smmu_ctx_stats(s->hw[i], bank);
            if (!c->translations && !c->faults && !c->bypassed)
                continue;
            /* six significant digits: a 1M-page rate of 0.0115234% is not 0.0115% */
            fprintf(out, "%-9s %-16s %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10.6g%% %9"
                    PRIu64 " %10" PRIu64 " %8" PRIu64 "\n", d->name,
                    bank_name(d, bank, b, sizeof(b)), c->translations, c->hits, c->misses,
                    100.0 * ratio(c->misses, c->translations), c->walks, c->desc_reads,
                    c->faults);
        }
    }
    fprintf(out, "\n%-10s %14s %11s %11s %11s %7s %10s %9s\n", "master", "bytes", "MB/s",
            "mean ns", "p99 ns", "errors", "late/frm", "underruns");
    print_rule(out, 90);
    for (unsigned i = 0; i < scn->nmasters; i++) {
        const struct master_stats *ms = master_stats(s->master[i]);
        char frames[32];
        bursts += ms->bursts;
        snprintf(frames, sizeof(frames), "%" PRIu64 "/%" PRIu64, ms->late_frames, ms->frames);
        fprintf(out, "%-10s %14" PRIu64 " %11.1f %11.1f %11.1f %7" PRIu64 " %10s %9" PRIu64
                "\n", scn->master[i].name, ms->bytes_read + ms->bytes_written,
                master_bandwidth_MBps(ms), stats_hist_mean(&ms->latency) / 1000.0,
                (double)stats_hist_quantile(&ms->latency, 0.99) / 1000.0, ms->errors, frames,
                ms->underruns);
    }
    for (unsigned i = 0; i < scn->nmasters; i++) {
        char warn[512];

        if (!soc_master_all_faulted(s, i))
            continue;
        soc_all_faulted_warning(s, i, warn, sizeof(warn));
        fprintf(out, "\n%s\n", warn);
    }
    print_faults(s, out);
    for (unsigned i = 0; i < scn->soc.nsmmus; i++)
        for (unsigned bank = 0; bank < s->desc[i].nbanks; bank++) {
            if (!bank_stalled(s, i, bank))
                continue;
            fprintf(out, "\nstalled: SMMU %s context %s is stalled (FSR.SS) and nobody "
                    "resumed it;", s->desc[i].name, bank_name(&s->desc[i], bank, b, sizeof(b)));
            for (unsigned m = 0; m < scn->nmasters; m++)
                if (scn->master[m].smmu == i && master_in_flight(s->master[m]))
                    fprintf(out, " master %s waits with %u bursts in flight;",
                            scn->master[m].name, master_in_flight(s->master[m]));
            fputc('\n', out);
        }
    if (s->isolation) {
        uint64_t foreign = 0;
        for (unsigned i = 0; i < scn->nmasters; i++)
            foreign += s->source[i]->foreign_reads + s->source[i]->foreign_writes;
        fprintf(out, "\nisolation: %" PRIu64 " bursts outside their own domain's memory; %"
                PRIu64 " of %" PRIu64 " other buffers changed%s\n", foreign,
                s->victims_changed, s->victim_buffers,
                !s->pt_checked ? "" : s->pt_changed ? "; page tables changed"
                                                    : "; page tables unchanged");
    }
    fprintf(out, "\nsimulated time %.6f ms%s, wall time %.3f s, %.2f M transactions/s\n",
            (double)s->end / (double)SIM_MS,
            s->complete ? "" : s->failed ? " (stopped by the error above)"
                        : s->stuck ? " (stopped: masters still wait but nothing is left "
                                          "to happen)"
                                        : " (stopped at the duration limit: not all traffic "
                                          "finished)",
            wall, wall > 0 ? (double)bursts / wall / 1e6 : 0.0);
}

void soc_print_info(const struct scenario *scn, FILE *out)
{
    const struct scn_soc *c = &scn->soc;
    char name[4 * REPORT_TEXT_MAX + 1];

    fprintf(out, "soc %s: %u SMMUs, %u domains\n\n", ctl_escape(name, sizeof(name), c->name),
            c->nsmmus, c->ndomains);
    fprintf(out, "%-9s %-10s %5s %5s %-8s %-16s %4s  %s\n", "smmu", "base", "irq", "banks",
            "tlb", "context", "bank", "mids");
    print_rule(out, 80);
    for (unsigned i = 0; i < c->nsmmus; i++) {
        const struct scn_smmu *sm = &c->smmu[i];
        for (unsigned k = 0; k < sm->desc.nctx; k++) {
            const struct smmu_ctx_desc *cd = &sm->desc.ctx[k];
            char tlb[24], mids[160];
            size_t off = 0;
            snprintf(tlb, sizeof(tlb), "%u/%s", sm->cfg.tlb.entries,
                     tlb_replacement_name(sm->cfg.tlb.replacement));
            for (unsigned m = 0; m < cd->nmids && off < sizeof(mids); ) {
                /* Runs of three or more consecutive MIDs print as ranges: 6-15. */
                unsigned e = m;
                while (e + 1 < cd->nmids && cd->mids[e + 1] == cd->mids[e] + 1)
                    e++;
                if (e < m + 2)
                    e = m;
                if (e > m)
                    off += (size_t)snprintf(mids + off, sizeof(mids) - off, "%s%u-%u",
                                            off ? "," : "", cd->mids[m], cd->mids[e]);
                else
                    off += (size_t)snprintf(mids + off, sizeof(mids) - off, "%s%u",
                                            off ? "," : "", cd->mids[m]);
                m = e + 1;
            }
            if (k == 0)
                fprintf(out, "%-9s 0x%08X %5u %5u %-8s %-16s %4u  %s\n", sm->desc.name,
                        sm->desc.base, sm->desc.irq, sm->desc.nbanks, tlb, cd->name, cd->bank,
                        mids);
            else
                fprintf(out, "%-9s %-10s %5s %5s %-8s %-16s %4u  %s\n", "", "", "", "", "",
                        cd->name, cd->bank, mids);
        }
    }
    fprintf(out, "\n%-14s %3s  %-16s %-24s %s\n", "domain", "id", "partition", "range",
            "contexts");
    print_rule(out, 80);
    for (unsigned d = 0; d < c->ndomains; d++) {
        static const char *const pn[MAX_PARTITIONS] = { "video_firmware", "video_main", "gen" };
        char ctxs[512] = "";
        size_t off = 0;
        bool first = true;
        for (unsigned a = 0; a < c->nattach; a++) {
            const struct ion_attach *at = &c->attach[a];
            if (at->domain != (int)d || !(at->mode == ION_ATTACH_ALWAYS ||
                                          (at->mode == ION_ATTACH_SPLIT) == c->display_split))
                continue;
            off += (size_t)snprintf(ctxs + off, sizeof(ctxs) - off, "%s%s", off ? " " : "",
                                    at->ctx);
            if (off >= sizeof(ctxs))
                break;
        }
        for (unsigned k = 0; k < MAX_PARTITIONS; k++) {
            const struct ion_partition_desc *p = &c->domain[d].part[k];
            char range[48];
            if (!p->size)
                continue;
            snprintf(range, sizeof(range), "0x%08llx-0x%08llx", (unsigned long long)p->start,
                     (unsigned long long)(p->start + p->size));
            char id[16] = "";
            if (first)
                snprintf(id, sizeof(id), "%u", d);
            if (first && ctxs[0])
                fprintf(out, "%-14s %3s  %-16s %-24s %s\n", c->domain[d].name, id, pn[k],
                        range, ctxs);
            else
                fprintf(out, "%-14s %3s  %-16s %s\n", first ? c->domain[d].name : "", id,
                        pn[k], range);
            first = false;
        }
    }
}
