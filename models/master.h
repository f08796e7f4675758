/*
 * master.h - a bus master that replays a DMA trace through an SMMU.
 *
 * The master pulls accesses from a source (a trace reader or a generator, with
 * buffer names already turned into IOVAs by the scenario), splits each into bursts
 * of at most burst_bytes that never cross a burst_bytes boundary (the port width:
 * an access of 100 bytes at 0x30 with 64-byte bursts is 0x30+16, 0x40+64, 0x80+20),
 * and hands the bursts to its SMMU, keeping at most max_outstanding in flight.
 *
 * When a burst may issue (timing mode), the latest of:
 *   - a free outstanding slot;
 *   - open loop only: the access's own time (closed loop ignores access times);
 *   - the rate limit: a burst of b bytes issued at t makes the next allowed issue
 *     time t + b * 10^12 / rate_bytes_per_s ps (the fraction of a ps carried to the
 *     next burst exactly, no drift; time spent idle earns no credit);
 *   - the frame: no access of a frame issues before the frame's F marker time;
 *   - the line FIFO (fifo_lines = n > 0, a display): the accesses after the k-th L
 *     marker of a frame do not issue before the time of the (k - n)-th L marker of
 *     that frame (the FIFO has room once that line's scan-out has begun); the
 *     first n lines wait only for the frame. The count of L markers starts again
 *     at each F (L markers before any F count from the start of the stream).
 * Bursts issue in trace order; several may issue at the same time.
 *
 * Deadlines:
 *   - frame: with frame_period > 0, a frame is late when its last burst completes
 *     after its F time + frame_period (a frame with no accesses is never late);
 *   - line: an L marker at time T is the scan-out time of the line whose accesses
 *     follow it (up to the next L or F); the line underruns when its last burst
 *     completes after T. Lines and underruns are counted whatever fifo_lines is.
 * Accesses before the first F belong to no frame; before the first L, to no line.
 *
 * Latency is measured per burst from smmu_submit to completion, and its translation
 * part from smmu_submit until the SMMU knew the physical address (a TLB hit's lookup,
 * or the lookup and the walk of a miss).
 *
 * The functional mode (master_run_functional) pulls the whole source at once and
 * translates every burst with smmu_access, in trace order, with no time: bytes,
 * bursts, errors, frames and lines are counted; latency, late frames and underruns
 * are not (they stay 0).
 */
#ifndef IOMMUSIM_MODELS_MASTER_H
#define IOMMUSIM_MODELS_MASTER_H

#include <stdbool.h>
#include <stdint.h>

#include "models/smmu.h"
#include "sim/core/kernel.h"
#include "sim/core/stats.h"

enum master_op {
    MASTER_READ = 0,            /* the values of enum trace_op */
    MASTER_WRITE,
    MASTER_FRAME,
    MASTER_LINE,
};

struct master_access {
    sim_time_t time;            /* issue time (open loop) or marker time */
    uint32_t iova;
    uint32_t bytes;             /* 0 for markers; an access must not wrap past 2^32 */
    uint8_t op;                 /* enum master_op */
};

/*
 * The source: returns 1 with the next access in *a, 0 at the end, or a negative
 * errno on an error (the master stops issuing, lets what is in flight complete,
 * and reports the code through master_source_error; the source keeps its message).
 * A record the master cannot replay (an unknown op, a read or write of 0 bytes or
 * one that passes 2^32) stops it the same way with -EINVAL and a message naming
 * the master and the record number on stderr.
 */
typedef int (*master_next_fn)(void *arg, struct master_access *a);

struct master_config {
    const char *name;                   /* for reports, e.g. "mdp0"; required */
    uint16_t mid;                       /* the MID its bursts carry, 0..127 */
    bool privileged;                    /* FSYNR1-visible privilege of its bursts */
    unsigned burst_bytes;               /* power of two, 4 .. 4096 */
    unsigned max_outstanding;           /* 1 .. MASTER_MAX_OUTSTANDING */
    bool open_loop;
    uint64_t rate_bytes_per_s;          /* 0: no limit */
    sim_time_t frame_period;            /* 0: frames have no deadline */
    unsigned fifo_lines;                /* 0: no line FIFO gating; at most 4096 */
    /*
     * Optional: called with every burst once it has completed (timing) or been
     * translated (functional), status and PA filled in, before the master counts it.
     * For checks and data side effects outside the model (the scenario's isolation
     * checks); it must not submit work or free the master.
     */
    void (*observe)(void *arg, const struct smmu_txn *t);
    void *observe_arg;
};

#define MASTER_MAX_OUTSTANDING 256

struct master_stats {
    uint64_t accesses;                  /* read and write records of the source */
    uint64_t bursts;                    /* bursts completed (or translated, functional) */
    uint64_t bytes_read, bytes_written; /* of bursts that completed without error */
    uint64_t errors;                    /* bursts that completed with an error response */
    uint64_t frames, late_frames;
    uint64_t lines, underruns;
    sim_time_t first_issue, last_done;  /* 0 when nothing issued */
    struct stats_hist latency;          /* ps, per burst: smmu_submit to completion */
    struct stats_hist translation;      /* ps, per burst translated without error:
                                           smmu_submit to the PA being known */
};

struct master;

/*
 * Observer (timing mode): told at sim_now() when a burst is handed to the SMMU and
 * when it has completed and been counted (master_in_flight is already the new
 * count), and when a display line's data is complete: the line's last burst has
 * completed, `scanout` is its L marker time. For waveforms and timelines outside
 * the model; it must not submit work or free the master. NULL (the default) costs
 * one branch per event.
 */
enum master_event {
    MASTER_EV_ISSUE = 0,                /* txn */
    MASTER_EV_COMPLETE,                 /* txn */
    MASTER_EV_LINE_READY,               /* scanout */
};

struct master_event_info {
    enum master_event ev;
    const struct smmu_txn *txn;
    sim_time_t scanout;
};

typedef void (*master_observe_fn)(void *arg, struct master *m, const struct master_event_info *e);

/* 0, or -EINVAL with a sentence naming the field and its range. */
int master_config_check(const struct master_config *cfg, char *err, unsigned errlen);
/* NULL when cfg fails the check (no message) or memory runs out. cfg is copied, not the name. */
struct master *master_new(const struct master_config *cfg, struct smmu *smmu,
                          master_next_fn next, void *arg);
void master_free(struct master *m);     /* only when nothing is in flight */

/* Timing mode: starts pulling and issuing at sim_now(). A master runs in one
 * mode only: timing (master_start) or functional (master_run_functional). */
void master_start(struct master *m);
/* Functional mode: runs the whole source. 0, or the source's negative errno. */
int master_run_functional(struct master *m);

/*
 * Functional mode one source record at a time, so that a caller can merge several
 * masters in time order: peek gives the time of the next record (1), or 0 at the
 * end, or the source's negative errno; step processes that record (an access: all
 * its bursts through smmu_access; a marker: counted) and returns 1, 0 at the end,
 * or the negative errno. master_run_functional is peek/step until the end.
 */
int master_functional_peek(struct master *m, sim_time_t *time);
int master_functional_step(struct master *m);

/* True once the source has ended (or failed) and nothing is in flight. */
bool master_done(const struct master *m);
unsigned master_in_flight(const struct master *m);
int master_source_error(const struct master *m);    /* 0 or the source's negative errno */
const struct master_config *master_config(const struct master *m);
void master_set_observer(struct master *m, master_observe_fn fn, void *arg);
const struct master_stats *master_stats(const struct master *m);

#endif
