/*
 * l2cache.c - the shared L2's tag store (see l2cache.h and docs/walker.md).
 *
 * Lines are kept set by set: set = (pa / line) % sets, tag = pa / line / sets. Each
 * way holds a tag, a valid bit and the time stamp of its last use (a counter that
 * grows with every use), so LRU is the valid way with the smallest stamp and an
 * invalid way is always chosen first.
 */
#include "models/l2cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

#define L2_MAX_WAYS         64u
#define L2_MIN_LINE         16u
#define L2_MAX_LINE         4096u

struct l2_way {
    uint32_t tag;
    bool valid;
    uint64_t used;                  /* stamp of the last use */
};

struct l2cache {
    struct l2cache_config cfg;
    unsigned sets;
    unsigned line_shift, set_mask;
    uint64_t clock;                 /* the next use stamp */
    struct l2_way *way;             /* sets * ways, set-major */
    struct l2cache_stats stats;
};

static bool pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

static unsigned log2u(uint64_t v)
{
    unsigned n = 0;

    while (v > 1) {
        v >>= 1;
        n++;
    }
    return n;
}

int l2cache_config_check(const struct l2cache_config *cfg, char *err, unsigned errlen)
{
#define BAD(...) return err_invalid(err, errlen, __VA_ARGS__)
    if (!cfg)
        BAD("no L2 cache configuration given");
    if (cfg->ways < 1 || cfg->ways > L2_MAX_WAYS)
        BAD("L2 ways (%u) must be in 1..%u", cfg->ways, L2_MAX_WAYS);
    if (!pow2(cfg->line_bytes) || cfg->line_bytes < L2_MIN_LINE || cfg->line_bytes > L2_MAX_LINE)
        BAD("L2 line size (%u bytes) must be a power of two in %u..%u", cfg->line_bytes,
            L2_MIN_LINE, L2_MAX_LINE);
    uint64_t set_bytes = (uint64_t)cfg->ways * cfg->line_bytes;
    if (!cfg->size_bytes || cfg->size_bytes % set_bytes || !pow2(cfg->size_bytes / set_bytes))
        BAD("L2 size (%llu bytes) must be ways x line size (%llu bytes) times a power of two",
            (unsigned long long)cfg->size_bytes, (unsigned long long)set_bytes);
    if (cfg->size_bytes > (1ull << 30))
        BAD("L2 size (%llu bytes) must be at most 1 GiB", (unsigned long long)cfg->size_bytes);
    if (cfg->hit_latency > SIM_MS)
        BAD("L2 hit latency must be at most 1 ms");
#undef BAD
    return 0;
}

struct l2cache *l2cache_new(const struct l2cache_config *cfg)
{
    struct l2cache *c;

    if (l2cache_config_check(cfg, NULL, 0))
        return NULL;
    c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cfg = *cfg;
    c->sets = (unsigned)(cfg->size_bytes / ((uint64_t)cfg->ways * cfg->line_bytes));
    c->line_shift = log2u(cfg->line_bytes);
    c->set_mask = c->sets - 1;
    c->way = calloc((size_t)c->sets * cfg->ways, sizeof(*c->way));
    if (!c->way) {
        free(c);
        return NULL;
    }
    return c;
}

void l2cache_free(struct l2cache *c)
{
    if (!c)
        return;
    free(c->way);
    free(c);
}

const struct l2cache_config *l2cache_config(const struct l2cache *c)
{
    return &c->cfg;
}

static struct l2_way *set_of(const struct l2cache *c, uint32_t line)
{
    return &c->way[(size_t)(line & c->set_mask) * c->cfg.ways];
}

static uint32_t tag_of(const struct l2cache *c, uint32_t line)
{
    return line >> log2u(c->sets);
}

static struct l2_way *find(const struct l2cache *c, uint32_t line)
{
    struct l2_way *set = set_of(c, line);
    uint32_t tag = tag_of(c, line);

    for (unsigned i = 0; i < c->cfg.ways; i++)
        if (set[i].valid && set[i].tag == tag)
            return &set[i];
    return NULL;
}

/* The lines [first, last] a read of bytes at pa covers (bytes >= 1, no wrap past 4 GiB). */
static void line_range(const struct l2cache *c, uint32_t pa, uint32_t bytes, uint32_t *first,
                       uint32_t *last)
{
    uint64_t end = (uint64_t)pa + (bytes ? bytes : 1) - 1;

    if (end > UINT32_MAX)
        end = UINT32_MAX;
    *first = pa >> c->line_shift;
    *last = (uint32_t)(end >> c->line_shift);
}

bool l2cache_lookup(struct l2cache *c, uint32_t pa, uint32_t bytes)
{
    uint32_t first, last;

    c->stats.lookups++;
    line_range(c, pa, bytes, &first, &last);
    for (uint32_t l = first; l <= last && l >= first; l++) {
        if (!find(c, l)) {
            c->stats.misses++;
            return false;
        }
    }
    for (uint32_t l = first; l <= last && l >= first; l++)
        find(c, l)->used = c->clock++;
    c->stats.hits++;
    return true;
}

static void fill_line(struct l2cache *c, uint32_t line)
{
    struct l2_way *set = set_of(c, line), *victim = NULL;

    if (find(c, line))
        return;
    for (unsigned i = 0; i < c->cfg.ways; i++) {
        if (!set[i].valid) {
            victim = &set[i];
            break;
        }
        if (!victim || set[i].used < victim->used)
            victim = &set[i];
    }
    if (victim->valid)
        c->stats.evictions++;
    victim->valid = true;
    victim->tag = tag_of(c, line);
    victim->used = c->clock++;
    c->stats.fills++;
}

void l2cache_fill(struct l2cache *c, uint32_t pa, uint32_t bytes)
{
    uint32_t first, last;

    line_range(c, pa, bytes, &first, &last);
    for (uint32_t l = first; l <= last && l >= first; l++)
        fill_line(c, l);
}

bool l2cache_contains(const struct l2cache *c, uint32_t pa)
{
    return find(c, pa >> c->line_shift) != NULL;
}

void l2cache_invalidate_all(struct l2cache *c)
{
    memset(c->way, 0, (size_t)c->sets * c->cfg.ways * sizeof(*c->way));
    c->stats.invalidations++;
}

const struct l2cache_stats *l2cache_stats(const struct l2cache *c)
{
    return &c->stats;
}

#define TRY(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

int l2cache_register_stats(const struct l2cache *c, struct stats *st, const char *prefix)
{
    const struct l2cache_stats *s = &c->stats;

    TRY(stats_add_u64(st, s->lookups, "%s.lookups", prefix));
    TRY(stats_add_u64(st, s->hits, "%s.hits", prefix));
    TRY(stats_add_u64(st, s->misses, "%s.misses", prefix));
    TRY(stats_add_f64(st, s->lookups ? (double)s->hits / (double)s->lookups : 0.0,
                      "%s.hit_rate", prefix));
    TRY(stats_add_u64(st, s->fills, "%s.fills", prefix));
    TRY(stats_add_u64(st, s->evictions, "%s.evictions", prefix));
    return 0;
}
