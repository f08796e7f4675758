/*
 * dram.h - DRAM: channels with a fixed access latency and a bandwidth each.
 *
 * Addresses are interleaved across channels in blocks of interleave_bytes (channel =
 * (pa / interleave_bytes) % channels). Each channel is a timeline: a request that
 * arrives at time a starts transferring at s = max(a, busy_until), occupies the
 * channel for ceil(bytes / width_bytes) cycles of the channel clock (busy_until
 * becomes s + that), and completes at s + transfer + latency. A request that spans
 * an interleave boundary is split and completes when its last part does; the
 * channel statistics count each part as a request.
 *
 * Requests of no bytes or with an arrival time in the past complete with MEM_ERROR.
 * A dram must be rebuilt after sim_reset() (its timelines hold times of the old run).
 *
 * Only timing lives here; the bytes themselves are in physmem.
 */
#ifndef IOMMUSIM_MODELS_DRAM_H
#define IOMMUSIM_MODELS_DRAM_H

#include <stdint.h>

#include "models/mem.h"
#include "sim/core/kernel.h"

#define DRAM_MAX_CHANNELS 8

struct dram_config {
    unsigned channels;              /* 1..DRAM_MAX_CHANNELS */
    uint32_t interleave_bytes;      /* power of two >= 64 */
    uint64_t clock_hz;              /* channel clock */
    unsigned width_bytes;           /* bytes per channel per clock */
    sim_time_t latency;             /* access latency added to each request */
};

struct dram_channel_stats {
    uint64_t requests, bytes;
    sim_time_t busy;                /* total transfer time */
    sim_time_t queue_delay;         /* total time requests waited for the channel */
};

struct dram;

int dram_config_check(const struct dram_config *cfg, char *err, unsigned errlen);
struct dram *dram_new(const struct dram_config *cfg);   /* NULL if cfg fails the check */
void dram_free(struct dram *d);
struct mem_port dram_port(struct dram *d);
const struct dram_channel_stats *dram_channel_stats(const struct dram *d, unsigned channel);

#endif
