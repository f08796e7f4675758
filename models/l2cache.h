/*
 * l2cache.h - the CPU cluster's shared L2 cache, as the SMMUs' walkers see it.
 *
 * On the MSM8960 the Krait cores share one L2; an SMMU context whose page tables are
 * cacheable (TTBR IRGN, with the ACTLR redirect bit for the table's shareability)
 * sends its descriptor reads to it, and a read that misses goes on to the fabric and
 * DRAM. One struct l2cache is shared by every SMMU of the SoC (docs/walker.md).
 *
 * The model is a set-associative tag store with true LRU replacement: size, ways,
 * line size and the hit latency are parameters (docs/hardware.md gives the Krait
 * figures and their sources). It holds tags only (the bytes stay in physmem, which
 * is always current: the L2 is coherent with the CPUs that write the tables) and it
 * sees only the walkers' reads (the CPUs' own traffic is not modelled, so its hit rate
 * is an upper bound). A read of several lines hits only when every line is present.
 */
#ifndef IOMMUSIM_MODELS_L2CACHE_H
#define IOMMUSIM_MODELS_L2CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/kernel.h"
#include "sim/core/stats.h"

struct l2cache_config {
    uint64_t size_bytes;            /* total capacity */
    unsigned ways;                  /* 1..64; size / (ways * line) sets, a power of two */
    unsigned line_bytes;            /* a power of two, 16..4096 */
    sim_time_t hit_latency;         /* from the request's arrival to its data */
};

struct l2cache_stats {
    uint64_t lookups;               /* reads looked up (one per read, however many lines) */
    uint64_t hits, misses;
    uint64_t fills;                 /* lines installed */
    uint64_t evictions;             /* valid lines replaced by a fill */
    uint64_t invalidations;         /* l2cache_invalidate_all calls */
};

struct l2cache;

/* 0, or -EINVAL with a message naming the bad parameter. */
int l2cache_config_check(const struct l2cache_config *cfg, char *err, unsigned errlen);
struct l2cache *l2cache_new(const struct l2cache_config *cfg);  /* NULL on a bad cfg */
void l2cache_free(struct l2cache *c);
const struct l2cache_config *l2cache_config(const struct l2cache *c);

/*
 * A read of `bytes` (>= 1) at pa: true (a hit, the lines become the most recently
 * used of their sets) when every line it covers is present, else false (a miss,
 * nothing changes). Counted in lookups and hits or misses.
 */
bool l2cache_lookup(struct l2cache *c, uint32_t pa, uint32_t bytes);
/* Installs every line of [pa, pa + bytes) that is absent, each as its set's most
 * recently used, replacing the least recently used line of a full set. */
void l2cache_fill(struct l2cache *c, uint32_t pa, uint32_t bytes);
/* Whether the line of pa is present; no statistics, no change of the LRU order. */
bool l2cache_contains(const struct l2cache *c, uint32_t pa);
void l2cache_invalidate_all(struct l2cache *c);

const struct l2cache_stats *l2cache_stats(const struct l2cache *c);
/* Registers the counters as PREFIX.lookups, .hits, .misses, .hit_rate, .fills,
 * .evictions: 0 or the registry's negative errno. */
int l2cache_register_stats(const struct l2cache *c, struct stats *st, const char *prefix);

#endif
