/*
 * walker.h - the hardware page-table walker (ARMv7 short-descriptor format).
 *
 * Given the context bank's translation registers and a VA, it reads the L1
 * descriptor (from TTBR0 or TTBR1, chosen by TTBCR.N), then the L2 descriptor when
 * the L1 entry points to a page table, and decodes a section, supersection, large
 * page or small page. It reports translation faults (level 1 or 2), access flag
 * faults and permission faults (pte_check_access against the access) and counts its
 * descriptor reads. A timed walk whose descriptor read the memory system answers with
 * an error ends with a decode or slave error at that level (FSR.HTWDEEF / HTWSEEF).
 *
 * Two ways to walk, sharing one decoder:
 *  - walker_walk(): functional, reads physmem at once (V2P registers, functional
 *    mode, tests);
 *  - struct walker: timed, each descriptor read travels through a memory port (the
 *    fabric and DRAM, competing with data traffic); the descriptor word is taken from
 *    physmem when its read completes. At most max_outstanding walks are in flight;
 *    more wait in FIFO order.
 */
#ifndef IOMMUSIM_MODELS_WALKER_H
#define IOMMUSIM_MODELS_WALKER_H

#include <stdbool.h>
#include <stdint.h>

#include "models/mem.h"
#include "models/physmem.h"
#include "models/pte.h"
#include "models/tlb.h"
#include "sim/core/kernel.h"

/* The context bank registers a walk depends on. */
struct walk_regs {
    uint32_t ttbr0, ttbr1;      /* table base in bits [31:14-N] (TTBR0) / [31:14] (TTBR1) */
    unsigned n;                 /* TTBCR.N, 0..7 (bits above [2:0] are ignored):
                                   TTBR0 covers VA < 2^(32-N) when N > 0 */
    bool pd0, pd1;              /* TTBCR.PD0/PD1: walks through that TTBR fault */
    bool afe;                   /* SCTLR.AFE: simplified access model */
    bool bfb;                   /* BFBCR.BFBDFE: L2 descriptors through the fetch buffer
                                   (timed walker only) */
    bool rcosh, rcish, rcnsh;   /* ACTLR.RCOSH/RCISH/RCNSH: cacheable walks of that
                                   shareability go to the shared L2 (timed walker only) */
};

enum walk_fault {
    WALK_OK = 0,
    WALK_TRANSLATION_L1,        /* FSR.TF, level 1 (also PD0/PD1 disabled walks) */
    WALK_TRANSLATION_L2,        /* FSR.TF, level 2 */
    WALK_ACCESS_FLAG,           /* FSR.AFF */
    WALK_PERMISSION,            /* FSR.APF */
    WALK_DECODE_ERROR,          /* FSR.HTWDEEF: a descriptor read got a decode error */
    WALK_SLAVE_ERROR,           /* FSR.HTWSEEF: a descriptor read got a slave error */
};

struct walk_result {
    enum walk_fault fault;
    unsigned level;             /* level of the leaf or of the faulting descriptor */
    bool have_entry;            /* a translation was found (also on AFF/APF faults) */
    struct tlb_entry entry;     /* va/pa/size/attrs; vmid and asid are the caller's */
    uint32_t pa;                /* the translated address of the VA (when have_entry) */
    unsigned desc_reads;        /* descriptors taken: 1 or 2 (0 when a PD bit stopped
                                   the walk), from memory or from the fetch buffer */
    unsigned mem_reads;         /* of them, read from memory (the L2 or the port) */
    bool bfb_hit;               /* the L2 descriptor came from the fetch buffer */
    unsigned l2_hits;           /* reads the shared L2 served */
    uint32_t desc_addr[2];
    uint32_t desc[2];
};

/*
 * Table base for a VA, or false when the walk is disabled by PD0/PD1. The L1
 * descriptor of va is at l1_base | (VA[31:20] << 2).
 */
bool walk_table_base(const struct walk_regs *regs, uint32_t va, uint32_t *l1_base);

/*
 * Whether the walk of va reads cacheable tables that go to the shared L2: the TTBR
 * that translates va (TTBR0 or TTBR1, as walk_table_base picks) has an inner region
 * IRGN other than 00 (non-cacheable), and the ACTLR redirect bit of its shareability
 * is set: RCNSH when TTBR.S = 0, RCISH when S = 1 and NOS = 1, RCOSH when S = 1 and
 * NOS = 0 (docs/walker.md says why these bits).
 */
bool walk_table_cacheable(const struct walk_regs *regs, uint32_t va);

/*
 * Functional walk: reads the descriptors from physmem at once. access is a mask of
 * ACCESS_* bits (pte.h). The result is fully written (cleared first).
 */
void walker_walk(const struct physmem *pm, const struct walk_regs *regs, uint32_t va,
                 unsigned access, struct walk_result *out);

/* ---- Timed walker -------------------------------------------------------------- */
struct walker_config {
    unsigned max_outstanding;   /* walks in flight at once, >= 1 */
    sim_time_t overhead;        /* fixed walk start-up time before the first read */
    unsigned bfb_lines;         /* lines the descriptor fetch buffer keeps, 0..WALKER_BFB_MAX
                                   (0: no buffer, BFBDFE has no effect) */
};

/* The descriptor fetch buffer (BFB): aligned lines of L2 descriptors. */
#define WALKER_BFB_LINE_BYTES   64u
#define WALKER_BFB_LINE_WORDS   (WALKER_BFB_LINE_BYTES / 4u)
#define WALKER_BFB_MAX          64u

struct l2cache;
struct stats;

struct walk_job;
typedef void (*walk_done_fn)(struct walk_job *job);

struct walk_job {
    /* set by the requester */
    struct walk_regs regs;
    uint32_t va;
    unsigned access;
    walk_done_fn done;          /* may be NULL; may start new walks, free or reuse job */
    void *owner;
    /* set by the walker */
    struct walk_result result;
    sim_time_t started;         /* when walker_start was called (queueing included) */
    sim_time_t finished;        /* when the walk ended and done was called */
    /* owned by the walker while the walk is queued or in flight */
    struct mem_req req;
    struct walk_job *next;
    unsigned state;
    uint32_t read_addr;         /* the descriptor the read in flight is for */
    bool read_line;             /* the read is a fetch-buffer line */
    bool read_l2;               /* the read went to the shared L2 */
};

struct walker_stats {
    uint64_t walks;             /* walks begun (left the queue or never waited) */
    uint64_t desc_reads;        /* descriptor reads issued to the port */
    uint64_t faults;            /* walks that ended with a fault of any kind */
    uint64_t queued;            /* walks that found no free slot, or others waiting */
    unsigned max_in_flight;     /* highest number of walks in flight at once */
    uint64_t desc_errors;       /* reads the port answered with an error: each such walk
                                   ends at that level with WALK_DECODE_ERROR (port status
                                   MEM_DECODE_ERROR) or WALK_SLAVE_ERROR (any other) */
    uint64_t decode_errors, slave_errors;   /* desc_errors by kind */
    uint64_t bfb_hits;          /* L2 descriptors taken from the fetch buffer */
    uint64_t bfb_fills;         /* lines read into it (each one of the desc_reads) */
    uint64_t bfb_invalidations; /* times it was emptied */
    uint64_t l2_hits, l2_misses;    /* reads of cacheable tables the shared L2 served or not */
};

struct walker;

/*
 * Observer: told when a walk queues for a slot, begins (takes a slot) and ends (its
 * result is written, before its done runs), at sim_now(). For waveforms and
 * timelines outside the model; it must not start walks or touch the job. NULL (the
 * default) costs one branch per event.
 */
enum walker_event {
    WALKER_EV_QUEUE = 0,
    WALKER_EV_BEGIN,
    WALKER_EV_END,
};
typedef void (*walker_observe_fn)(void *arg, enum walker_event ev, const struct walk_job *job);

/*
 * Timing: a walk that begins at time t sends its L1 read to arrive at
 * t + overhead; each later read is issued when the previous one completes; the walk
 * ends when its last read completes (or at t + overhead when PD0/PD1 stops it).
 * A walk begins when walker_start is called if a slot is free and no walk waits,
 * else when the walks ahead of it have left the queue and a slot frees.
 *
 * walker_new copies cfg and *port; NULL when cfg, pm or port is NULL, port has no
 * request function, or max_outstanding is 0. Free a walker only when no walk is
 * queued or in flight (the port would call back into it).
 */
struct walker *walker_new(const struct walker_config *cfg, const struct physmem *pm,
                          const struct mem_port *port);
void walker_free(struct walker *w);
/* job must stay alive until its done runs; done runs from a kernel callback. */
void walker_start(struct walker *w, struct walk_job *job);
void walker_set_observer(struct walker *w, walker_observe_fn fn, void *arg);
unsigned walker_in_flight(const struct walker *w);
unsigned walker_queued(const struct walker *w);              /* waiting for a slot */
const struct walker_stats *walker_stats(const struct walker *w);

/*
 * The shared L2 that walks of cacheable tables go through (NULL: none, they go to the
 * port like the others). Not owned; it must outlive the walker's walks.
 */
void walker_set_l2cache(struct walker *w, struct l2cache *l2);
/* Empties the descriptor fetch buffer (the SMMU calls it for every TLB invalidation). */
void walker_bfb_invalidate(struct walker *w);
unsigned walker_bfb_valid(const struct walker *w);         /* lines held now */
/*
 * Registers the counters as PREFIX.walks, .desc_reads, .faults, .queued,
 * .max_in_flight, .desc_errors, .decode_errors, .slave_errors, .bfb_hits, .bfb_fills, .bfb_invalidations, .l2_hits,
 * .l2_misses: 0 or the registry's negative errno.
 */
int walker_register_stats(const struct walker *w, struct stats *st, const char *prefix);

#endif
