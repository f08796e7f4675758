/*
 * scenario.h - a scenario file read into plain data: the SoC it runs on, the buffers
 * the driver maps, the driver steps, and the masters with their traffic.
 *
 * This is the schema layer between the configuration tree (sim/config) and the SoC
 * builder (sim/soc): it reads and checks every key, with the file, line and column
 * of anything wrong, and fills the structs below, which the builder turns into
 * models without further checks. docs/scenarios.md is the reference of the keys.
 *
 * The SoC part (`soc:`, usually `!include ../msm8960.yaml`) can also be read on its
 * own (scenario_load_soc) for `iommusim info`.
 */
#ifndef IOMMUSIM_SIM_SCENARIO_H
#define IOMMUSIM_SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "models/dram.h"
#include "models/l2cache.h"
#include "models/master.h"
#include "models/smmu.h"
#include "sim/config/config.h"
#include "sim/core/kernel.h"
#include "sim/trace/trace.h"
#include "vcm/ion.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"
#include "vcm/vcm.h"

#define SCN_MAX_SMMUS       16
#define SCN_MAX_BUFFERS     256
#define SCN_MAX_MASTERS     32
#define SCN_MAX_STEPS       256
#define SCN_MAX_ATTACH      64
#define SCN_MAX_BINDINGS    32
/*
 * Descriptor fetch buffer lines of an SMMU that does not say (smmus.*.bfb_lines): an
 * assumption, configs/msm8960.yaml and docs/walker.md give the reasoning.
 */
#define SCN_DEFAULT_BFB_LINES 16

enum scn_mode {
    SCN_TIMING = 0,
    SCN_FUNCTIONAL,
};

struct scn_smmu {
    struct smmu_desc desc;              /* names, window, IRQs, banks, contexts, MIDs */
    struct smmu_config cfg;             /* timing and TLB (desc fields filled in too) */
    unsigned port_width;                /* bytes per fabric cycle of its fabric port */
    bool bypass;                        /* CR.CLIENTPD set after bring-up: no translation */
};

struct scn_fabric {
    uint64_t clock_hz;
    unsigned gateway_width;
    unsigned hop_cycles;
};

/* The driver: which kernel's SMMU driver it follows, and what its work costs. */
struct scn_driver {
    const struct smmu_profile *profile;
    int bfb;                            /* BFBCR.BFBDFE: -1 as the profile says */
    struct smmu_driver_costs costs;
};

struct scn_soc {
    const char *name;
    struct scn_driver driver;
    struct phys_target_cfg ram;         /* block pools */
    struct phys_target_cfg page_tables; /* contiguous pool for the driver's tables */
    struct dram_config dram;
    struct scn_fabric fabric;
    bool has_l2;                        /* an l2: section: the shared L2 of cacheable walks */
    struct l2cache_config l2;
    unsigned nsmmus;
    struct scn_smmu smmu[SCN_MAX_SMMUS];
    unsigned ndomains;
    struct ion_domain_desc domain[ION_MAX_DOMAINS];
    unsigned nattach;
    struct ion_attach attach[SCN_MAX_ATTACH];
    bool display_split;
};

struct scn_buffer {
    const char *name;
    uint64_t size;                      /* 0 until known (from a generator if not given) */
    const struct config_node *node;     /* for errors */
    unsigned ndomains;
    int domain[ION_MAX_DOMAINS];        /* domain numbers it is mapped into */
    int partition;                      /* VIDEO_FIRMWARE_POOL, VIDEO_MAIN_POOL or GEN_POOL */
    enum vcm_map_policy policy;
    bool mapped_at_start;
    bool read_only;                     /* devices may not write it */
    bool privileged_only;               /* user accesses may not use it */
};

struct scn_step {
    sim_time_t at;
    unsigned nunmap, nmap;              /* unmaps happen before maps */
    unsigned unmap[SCN_MAX_BUFFERS];
    unsigned map[SCN_MAX_BUFFERS];
};

/* A name the master's trace or generator uses, and the scenario buffer it means. */
struct scn_binding {
    const char *from;
    unsigned buffer;
};

struct scn_master {
    const char *name;
    const struct config_node *node;
    unsigned smmu;                      /* index into scn_soc.smmu */
    const char *ctx;                    /* context name */
    int domain;                         /* domain of that context (for buffer IOVAs) */
    struct master_config cfg;           /* name, mid, burst, outstanding, loop, rate, ... */
    bool frame_period_given;            /* else taken from the generator's fps */
    const struct config_node *generator;/* the generator's parameter map, or NULL */
    const char *trace;                  /* trace path (relative paths resolved), or NULL */
    enum trace_format format;
    uint32_t din_bytes;
    sim_time_t start;                   /* when the master starts */
    bool isolation_check;               /* check where its accesses land (soc.h) */
    unsigned nbindings;
    struct scn_binding binding[SCN_MAX_BINDINGS];
};

struct scenario {
    struct config *cfg;                 /* the tree; every string above points into it */
    char *path;
    const char *name;
    enum scn_mode mode;
    uint64_t seed;
    sim_time_t duration;                /* time limit of the run */
    struct scn_soc soc;
    unsigned nbuffers, nsteps, nmasters;
    struct scn_buffer buffer[SCN_MAX_BUFFERS];
    struct scn_step *step;              /* nsteps of them, in time order */
    unsigned nno_resume;                /* contexts whose fault handler never resumes */
    const char *no_resume[SCN_MAX_ATTACH];
    struct scn_master master[SCN_MAX_MASTERS];
};

struct scenario_overrides {
    const char *const *sets;            /* "KEY=VALUE" */
    unsigned nsets;
    int mode;                           /* -1: the file's; else enum scn_mode */
    bool has_seed;
    uint64_t seed;
};

/*
 * Loads and checks a scenario. The overrides are applied to the tree before it is
 * read, so they are checked like the file's own values. NULL and err on any error.
 */
struct scenario *scenario_load(const char *path, const struct scenario_overrides *ov,
                               struct config_err *err);
/* An SoC file, or the SoC of a scenario file (its `soc:` key). */
struct scenario *scenario_load_soc(const char *path, struct config_err *err);
void scenario_free(struct scenario *s);

int scenario_find_buffer(const struct scenario *s, const char *name);     /* -1 if none */
const char *scenario_mode_name(enum scn_mode m);

#endif
