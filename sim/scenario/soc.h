/*
 * soc.h - the SoC built from a scenario, and the scenario's run.
 *
 * soc_build turns a loaded scenario (sim/scenario/scenario.h) into models and driver state,
 * in the order a kernel would bring the hardware up:
 *
 *   physical memory, DRAM, fabric (one port per SMMU)
 *     -> one SMMU model per description, its data and walk ports on its fabric port
 *     -> the SMMU driver tree (vcm/smmu_driver) and the VCM platform over the pools
 *     -> the ION-style domains (every context attached, associated and activated)
 *     -> every buffer allocated from the pools and mapped into its domains with its
 *        mapping policy (buffers with `mapped: false` wait for a step)
 *     -> the masters, each fed by a generator or a trace reader whose buffer names
 *        are turned into the IOVAs of the master's domain.
 *
 * soc_run then runs the driver steps and the masters: in timing mode on the event
 * kernel until every master has finished or the duration is reached; in functional
 * mode by translating every access of every master in the order of the records'
 * times (ties by master order, then trace order) with no timing and no duration
 * limit, applying each step once the accesses before its time are done.
 *
 * Isolation checks (a master with isolation_check: true) follow every burst of the
 * master to its physical address and compare the memory of other domains before and
 * after the run (docs/security.md).
 *
 * sim/scenario/report.c registers the results in a stats registry and prints the report.
 */
#ifndef IOMMUSIM_SIM_SOC_H
#define IOMMUSIM_SIM_SOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "models/dram.h"
#include "models/fabric.h"
#include "models/l2cache.h"
#include "models/master.h"
#include "models/physmem.h"
#include "models/smmu.h"
#include "sim/scenario/scenario.h"
#include "sim/core/stats.h"
#include "sim/trace/trace.h"
#include "sim/trace/tracegen.h"
#include "vcm/ion.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"
#include "vcm/vcm.h"

#define SOC_ERR_MAX 1024

/* A buffer: its physical memory and where it is mapped now. */
struct soc_buffer {
    const struct scn_buffer *scn;
    struct vcm_physmem *phys;
    bool mapped;
    uint32_t iova[ION_MAX_DOMAINS];     /* by domain number; kept after an unmap */
    struct vcm_map_mix mix[ION_MAX_DOMAINS];    /* page sizes of the last mapping */
    uint64_t maps, unmaps;              /* driver steps applied to it */
};

/* What feeds a master: a generator or a trace, with names bound to buffers. */
struct soc_source {
    struct soc *soc;
    const struct scn_master *scn;
    struct tracegen *gen;
    struct trace_reader *trace;
    unsigned nbuf;                      /* entries of buf */
    int *buf;                           /* source index -> soc buffer */
    uint64_t records;
    /* isolation check (scn->isolation_check): bursts that translated to a PA outside
     * the physical memory of the buffers mapped in the master's own domain */
    uint64_t checked, foreign_reads, foreign_writes;
    int error;                          /* negative errno once the source failed */
    char msg[SOC_ERR_MAX];
};

struct soc {
    struct scenario *scn;               /* not owned */
    struct physmem *pm;
    struct phys_target *ram, *ptmem;
    struct smmu_pt_allocator pt;
    struct dram *dram;
    struct fabric *fabric;
    struct l2cache *l2;                 /* the shared L2 (NULL without an l2: section) */
    struct mem_port dram_port;
    struct mem_port port[SCN_MAX_SMMUS];
    struct smmu *hw[SCN_MAX_SMMUS];
    struct smmu_desc desc[SCN_MAX_SMMUS];
    struct smmu_tree *tree;
    struct vcm_platform *platform;
    struct ion_iommu *ion;
    struct soc_buffer buffer[SCN_MAX_BUFFERS];
    struct soc_source *source[SCN_MAX_MASTERS];
    struct master *master[SCN_MAX_MASTERS];
    unsigned steps_done;
    /*
     * Isolation checks, when a master asks for them: every buffer starts filled with
     * its own byte pattern; checked masters' writes store their pattern where they
     * land; at the end the buffers of no checked master's domain (the victims) and,
     * in a scenario without driver steps, the page tables, must be unchanged.
     */
    bool isolation;
    uint64_t victim_hash_before[SCN_MAX_BUFFERS];
    uint64_t pt_hash_before;
    uint64_t victim_buffers, victim_bytes, victims_changed;
    bool pt_checked, pt_changed;
    /* called between slices of a timing run (about every 1/200 of the duration) */
    void (*progress)(const struct soc *s, void *arg);
    void *progress_arg;
    /*
     * Observers of a timing run (sim/observe/), NULL when unused. sample is called
     * at every multiple b of sample_period (> 0) that the run reaches, once every
     * callback before b has run and none at b: the counters then cover [0, b). It
     * is not called past the last work. step is called after driver step `index`
     * was applied at sim_now(), with the driver time it cost (register accesses and
     * cleans). Neither changes what the run does.
     */
    sim_time_t sample_period, sample_next;
    void (*sample)(const struct soc *s, void *arg, sim_time_t boundary);
    void (*step)(const struct soc *s, void *arg, unsigned index, sim_time_t driver_ps);
    void *observe_arg;
    /* results of soc_run */
    sim_time_t driver_setup_ps;         /* driver time of building the SoC: attach, map */
    bool ran, complete;
    bool stuck;                         /* incomplete with nothing left to do (a stall) */
    bool failed;                        /* soc_run returned an error (err says which) */
    sim_time_t end;                     /* last completion (timing) or 0 (functional) */
    uint64_t callbacks;
    char err[SOC_ERR_MAX];
};

/* NULL and a message in err (naming the scenario file and the buffer or master). */
struct soc *soc_build(struct scenario *scn, char *err, size_t errlen);
/*
 * 0 when the run ended (all masters finished, or the duration was reached: see
 * soc->complete); a negative errno and a message in err when a trace failed or a
 * driver step was refused (the statistics so far stay readable).
 */
int soc_run(struct soc *s, char *err, size_t errlen);
/* What the drivers of every SMMU have spent so far: register accesses and cache cleans. */
sim_time_t soc_driver_time(const struct soc *s);
void soc_free(struct soc *s);

/* sim/scenario/report.c: the results as named statistics, and the printed report. */
int soc_collect_stats(const struct soc *s, struct stats *st);
/*
 * The statistics that say which run this was (run.scenario, run.mode, run.seed) and
 * whether it completed (run.complete): the first of soc_collect_stats, and all there is
 * of a run whose SoC could not be built. 0, or the registry's negative errno.
 */
int soc_collect_run(const struct scenario *scn, bool complete, struct stats *st);
void soc_print_report(const struct soc *s, FILE *out, double wall_seconds);
/*
 * Every master's translation latency histogram, whole (stats_hists_write_file: one
 * row per non-empty bucket), named master.M.translation_ps, values in picoseconds:
 * the buckets behind the quantiles of master.M.translation_ns, for `iommusim plot`'s
 * latency distribution. 0, or a negative errno with the message in err.
 */
int soc_write_histograms(const struct soc *s, const char *path, char *err, size_t errlen);

/*
 * True when master i issued bursts and every one of them ended in a fault: nothing
 * it addressed was mapped for it or allowed to it (a trace captured elsewhere replayed without its
 * buffers pinned where it points), or it is a rogue device as the isolation
 * scenarios have. The report says so in a WARNING line and the statistics in
 * master.NAME.all_faulted = 1 (present only then).
 */
bool soc_master_all_faulted(const struct soc *s, unsigned i);
/* The WARNING sentence for master i (no newline), for the report and stderr. */
void soc_all_faulted_warning(const struct soc *s, unsigned i, char *buf, size_t len);

/* sim/scenario/report.c: `iommusim info`: the SMMUs, contexts, MIDs and domains of an SoC. */
void soc_print_info(const struct scenario *scn, FILE *out);
/*
 * sim/scenario/info_json.c: the same as JSON (`iommusim info --json`): "soc", "smmus"
 * (name, base, irq, irq_secure, banks, bypass, tlb, contexts with bank and mids) and
 * "domains" (name, id, secure, pt_cacheable, partitions, attached contexts). 0, or -1
 * when the stream failed.
 */
int soc_print_info_json(const struct scenario *scn, FILE *out);

#endif
