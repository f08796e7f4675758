/*
 * tlb.c - the set-associative, multi-page-size TLB of models/tlb.h.
 *
 * The same code is the SMMU's global TLB and the engine of the trace-driven TLB
 * study, so every per-access operation is O(1) whatever the associativity (a 1024-way
 * TLB costs about what a 32-way one does):
 *
 *  - an open-addressing hash (linear probing, backward-shift deletion) maps a tag
 *    to the slot holding it, so a lookup is one hash probe per page size present
 *    rather than a scan of the set's ways;
 *  - a one-entry cache remembers the last 4 KiB page looked up and the slot that
 *    answered it; any fill or invalidation clears it, so it can never disagree with
 *    the full search;
 *  - lru keeps a circular doubly-linked recency list per set of its valid unlocked
 *    ways (head = most recent), so a touch and the victim are O(1), and the usual
 *    miss (the tail becomes the head) writes no link;
 *  - a slot's entry, tag, bucket and links share one 64-byte record, so a random
 *    miss reads two lines (the victim's record and its bucket), both prefetched;
 *  - plru keeps the ways - 1 tree bits of each set, O(log ways) per touch or victim;
 *  - a bitmap of invalid ways per set, with a count of the invalid unlocked ones and
 *    a hint to the lowest word that may be non-zero, finds "the lowest invalid
 *    unlocked way" without a scan once the set is full.
 *
 * This file holds creation, lookup and fill, and the trace study's tlb_access;
 * tlb_maint.c the invalidations, lockdown and read-back; tlb_priv.h the data and
 * the inline operations on the hash, the lru lists and the free ways that both use.
 * docs/tlb.md gives the rules; these files keep to them.
 */
#include "models/tlb.h"
#include "models/tlb_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

/* ------------------------------------------------------------------ config */

static const char *const repl_names[] = {
    [TLB_LRU] = "lru",
    [TLB_PLRU] = "plru",
    [TLB_ROUND_ROBIN] = "round-robin",
    [TLB_RANDOM] = "random",
};

const char *tlb_replacement_name(enum tlb_replacement r)
{
    if ((unsigned)r >= sizeof(repl_names) / sizeof(repl_names[0]))
        return "unknown";
    return repl_names[r];
}

int tlb_replacement_parse(const char *s, enum tlb_replacement *out)
{
    if (!s)
        return -EINVAL;
    for (unsigned i = 0; i < sizeof(repl_names) / sizeof(repl_names[0]); i++) {
        if (strcmp(s, repl_names[i]) == 0) {
            if (out)
                *out = (enum tlb_replacement)i;
            return 0;
        }
    }
    return -EINVAL;
}

int tlb_config_check(const struct tlb_config *cfg, char *err, unsigned errlen)
{
    if (!cfg)
        return err_invalid(err, errlen, "tlb config is missing");
    if (cfg->entries < 1 || cfg->entries > TLB_MAX_ENTRIES)
        return err_invalid(err, errlen,
                            "tlb entries = %u is out of range: must be 1 .. %u",
                            cfg->entries, TLB_MAX_ENTRIES);
    if (cfg->ways < 1 || cfg->ways > cfg->entries)
        return err_invalid(err, errlen,
                            "tlb ways = %u is out of range: must be 1 .. entries (%u)",
                            cfg->ways, cfg->entries);
    if (cfg->entries % cfg->ways)
        return err_invalid(err, errlen,
                            "tlb ways = %u does not divide entries = %u: ways must be "
                            "a divisor of entries", cfg->ways, cfg->entries);
    if (!is_pow2(cfg->entries / cfg->ways))
        return err_invalid(err, errlen,
                            "tlb ways = %u gives entries / ways = %u sets: the number of "
                            "sets must be a power of two (1, 2, 4, ...)",
                            cfg->ways, cfg->entries / cfg->ways);
    if ((unsigned)cfg->replacement > TLB_RANDOM)
        return err_invalid(err, errlen,
                            "tlb replacement = %u is out of range: must be 0 .. %u "
                            "(lru, plru, round-robin, random)",
                            (unsigned)cfg->replacement, TLB_RANDOM);
    if (cfg->replacement == TLB_PLRU && !is_pow2(cfg->ways))
        return err_invalid(err, errlen,
                            "tlb ways = %u with replacement plru: plru needs ways to be "
                            "a power of two (1, 2, 4, ...) up to entries (%u)",
                            cfg->ways, cfg->entries);
    if (err && errlen)
        err[0] = '\0';
    return 0;
}

/* splitmix64: a full-period generator whose whole state is one word. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ------------------------------------------------------------------ plru tree */

/*
 * Follows the bits from the root. A left half lying wholly below floor (all
 * locked) is never taken: the search goes right instead. The right half always
 * holds an unlocked way because floor < ways whenever a victim is needed.
 */
static unsigned plru_victim(const struct tlb *t, unsigned set)
{
    const uint8_t *bits = t->plru + (size_t)set * t->ways;
    unsigned n = 1, lo = 0, hi = t->ways;

    if (!t->floor) {
        while (n < t->ways)
            n = 2 * n + bits[n];
        return n - t->ways;
    }
    while (n < t->ways) {
        unsigned mid = (lo + hi) / 2;
        unsigned go_right = bits[n] || mid <= t->floor;

        if (go_right)
            lo = mid;
        else
            hi = mid;
        n = 2 * n + go_right;
    }
    return lo;
}

/* ------------------------------------------------------------------ free ways */

/* The lowest invalid way at or above floor; the caller knows there is one. */
static unsigned free_lowest_unlocked(struct tlb *t, unsigned set)
{
    const uint64_t *bm = t->freemap + (size_t)set * t->words;
    unsigned fw = t->floor >> 6;
    unsigned w = t->free_hint[set] > fw ? t->free_hint[set] : fw;

    for (;; w++) {
        uint64_t bits = bm[w];

        if (w == fw)
            bits &= ~0ull << (t->floor & 63);
        if (bits)
            return w * 64 + (unsigned)__builtin_ctzll(bits);
        if (w == t->free_hint[set] && !bm[w])
            t->free_hint[set] = w + 1;
    }
}

/* ------------------------------------------------------------------ entry bookkeeping */

static void region_start(struct tlb *t);

/*
 * The probes of search(), from the present bits: sizes from 4K up, ASID-tagged first.
 * The first time sizes are mixed, the region counts start (from every valid slot, so
 * callers change counts only once the slot holds its new tag).
 */
static void probes_rebuild(struct tlb *t)
{
    unsigned n = 0;

    for (unsigned s = 0; s < PAGE_SIZES; s++) {
        uint32_t size = (uint32_t)s << CTX_SIZE_SHIFT;

        if (t->present_ng & (1u << s))
            t->probe[n++] = (struct probe){ .keep = ~0u, .add = size,
                                            .shift = page_shift((enum page_size)s),
                                            .page_mask = ~((uint64_t)page_bytes((enum page_size)s) - 1) };
        if (t->present_g & (1u << s))
            t->probe[n++] = (struct probe){ .keep = ~(0xFFu << CTX_ASID_SHIFT),
                                            .add = size | CTX_GLOBAL,
                                            .shift = page_shift((enum page_size)s),
                                            .page_mask = ~((uint64_t)page_bytes((enum page_size)s) - 1) };
    }
    t->nprobes = (uint8_t)n;
    t->one_plain = t->lru_plain && n == 1;
    uint8_t sizes = t->present_ng | t->present_g;
    if (!t->region_on && (sizes & (sizes - 1)))
        region_start(t);
}

/* ------------------------------------------------------------------ region counts */

/* The bucket of the page of size `size` (above 4 KiB) numbered vpn, in VMID vmid. */
static inline uint32_t region_of(const struct tlb *t, unsigned size, uint8_t vmid, uint64_t vpn)
{
    uint64_t h = (vpn ^ (uint64_t)vmid << HASH_CTX_SHIFT) * HASH_MULT;

    return (uint32_t)((size - 1) << t->region_bits) | (uint32_t)(h >> (64 - t->region_bits));
}

/* Counts a tag in (delta 1) or out (delta -1 as unsigned) of every larger size's page. */
static void region_count(struct tlb *t, struct tag tag, uint32_t delta)
{
    unsigned s = TAG_SIZE(tag), shift = page_shift((enum page_size)s);

    for (unsigned big = s + 1; big < PAGE_SIZES; big++) {
        unsigned by = page_shift((enum page_size)big) - shift;

        t->region[region_of(t, big, TAG_VMID(tag), tag.vpn >> by)] += delta;
    }
}

/* Sizes are mixed for the first time: every valid entry counted, from then on kept up. */
static __attribute__((noinline)) void region_start(struct tlb *t)
{
    size_t n = (size_t)(PAGE_SIZES - 1) << t->region_bits;

    if (!t->region)
        t->region = malloc(n * sizeof(*t->region));
    if (!t->region)             /* the cache then covers 4 KiB, as without the counts */
        return;
    memset(t->region, 0, n * sizeof(*t->region));
    for (uint32_t slot = 0; slot < t->slots; slot++)
        if (t->rec[slot].ctx)
            region_count(t, slot_tag(t, slot), 1);
    t->region_on = true;
}

static inline void region_add(struct tlb *t, struct tag tag)
{
    if (t->region_on)
        region_count(t, tag, 1);
}

static inline void region_sub(struct tlb *t, struct tag tag)
{
    if (t->region_on)
        region_count(t, tag, (uint32_t)-1);
}

/*
 * The page shift the one-entry cache may cover after a hit on an entry of `size`
 * for address va in VMID vmid: the entry's page when no smaller entry of the VMID
 * lies in it, else 4 KiB.
 */
static inline unsigned cover_shift(const struct tlb *t, uint64_t va, uint8_t vmid, unsigned size)
{
    unsigned shift = page_shift((enum page_size)size);
    unsigned smaller = (t->present_ng | t->present_g) & ((1u << size) - 1);

    if (!smaller || (t->region_on && !t->region[region_of(t, size, vmid, va >> shift)]))
        return shift;
    return FAST_PAGE_SHIFT;
}

/* ------------------------------------------------------------------ entry counts */

static inline void count_add(struct tlb *t, struct tag tag)
{
    bool global = TAG_GLOBAL(tag);
    unsigned size = TAG_SIZE(tag);

    if (t->count[global][size]++ == 0) {
        *(global ? &t->present_g : &t->present_ng) |= (uint8_t)(1u << size);
        probes_rebuild(t);
    }
}

static inline void count_sub(struct tlb *t, struct tag tag)
{
    bool global = TAG_GLOBAL(tag);
    unsigned size = TAG_SIZE(tag);

    if (--t->count[global][size] == 0) {
        *(global ? &t->present_g : &t->present_ng) &= (uint8_t)~(1u << size);
        probes_rebuild(t);
    }
}

/* Makes the slot the most recently used; a hit and a fill both come here. */
static inline void touch(struct tlb *t, unsigned set, uint32_t slot)
{
    if (t->repl == TLB_LRU) {
        /* With no locked way the lists alone hold the order (see lru_stamp_lists). */
        if (t->floor)
            t->rec[slot].stamp = ++t->clock;
        /* Locked ways are on no list: they are never victims. */
        if (slot - set * t->ways >= t->floor && lru_head(t, set) != slot) {
            if (lru_tail(t, set) == slot) {
                t->head[set] = slot;    /* the rotation: every other way keeps its place */
            } else {
                lru_unlink(t, set, slot);
                lru_push_head(t, set, slot);
            }
        }
    } else if (t->repl == TLB_PLRU) {
        plru_touch(t, set, slot - set * t->ways);
    }
}

/*
 * A hit on slot, whose tag has the page size `size` (an entry's size is always its
 * tag's): remembered for the one-entry cache of the next lookup, which then covers
 * va's page that `mask` keeps, and counted. The recency update is the caller's.
 */
static inline void note_hit_covering(struct tlb *t, uint64_t va, uint64_t mask, uint32_t ctx,
                                     uint32_t slot, unsigned size)
{
    t->fast_mask = mask;
    t->fast_page = va & mask;
    t->fast_ctx = ctx;
    t->fast_slot = slot;
    t->fast_size = size;
    t->fast_matches = 0;
    t->stats.hits++;
    t->stats.hits_by_size[size]++;
}

/* The same, the cover worked out from the entries present (cover_shift). */
static inline void note_hit(struct tlb *t, uint64_t va, uint32_t ctx, uint32_t slot,
                            unsigned size)
{
    unsigned shift = size ? cover_shift(t, va, (uint8_t)(ctx >> CTX_VMID_SHIFT), size)
                          : FAST_PAGE_SHIFT;

    note_hit_covering(t, va, ~(((uint64_t)1 << shift) - 1), ctx, slot, size);
}

/* note_hit, and the replacement policy's recency update. */
static inline void record_hit(struct tlb *t, uint64_t va, uint32_t ctx, unsigned set,
                              uint32_t slot, unsigned size)
{
    note_hit(t, va, ctx, slot, size);
    touch(t, set, slot);
}

/*
 * After the lru victim `slot` was replaced (a rotation, so its prev is the set's new
 * tail): the next two victims are that tail and its prev, so their records and the
 * next one's hash bucket are fetched now, while this miss's work goes on. A run of
 * misses then finds each victim's record and bucket in the cache rather than
 * waiting for a chain of three dependent loads. Only hints: a hit in between
 * changes the order and wastes nothing but the fetch. (Always inlined: a function of
 * nothing but prefetches looks free of effects to GCC, which then drops its calls.)
 */
static inline __attribute__((always_inline)) void lru_prefetch_victims(const struct tlb *t, uint32_t slot)
{
    const struct slot_rec *next = &t->rec[t->rec[slot].prev];

    __builtin_prefetch(&t->rec[next->prev]);
    __builtin_prefetch(&t->hash[next->where]);
}

/* A tag came or went: the caches of lookups and counts are out of date. */
static inline void tags_changed(struct tlb *t)
{
    t->fast_ctx = 0;
    t->fast_matches = 0;
    t->miss_ctx = 0;
    t->tags_gen++;
}

/* Takes a valid entry out of every structure; the counters are the caller's. */
void tlb_remove_slot(struct tlb *t, unsigned set, unsigned way)
{
    uint32_t slot = slot_of(t, set, way);
    struct tag tag = slot_tag(t, slot);

    hash_remove(t, slot);
    region_sub(t, tag);
    t->rec[slot].ctx = 0;
    if (t->repl == TLB_LRU && way >= t->floor)
        lru_unlink(t, set, slot);
    free_mark(t, set, way);
    count_sub(t, tag);
    t->valid--;
    tags_changed(t);
}

/* Writes the translation and its tag into a slot the tag is not yet hashed for. */
static inline void write_entry(struct tlb *t, uint32_t slot, struct tag tag,
                               const struct tlb_entry *e)
{
    t->rec[slot].ent = *e;
    t->rec[slot].ent.va = e->va & ~((uint64_t)page_bytes(e->size) - 1);
    t->rec[slot].vpn = tag.vpn;
    t->rec[slot].ctx = tag.ctx;
    hash_insert(t, tag, slot);
    region_add(t, tag);
}

/* The same, counting the entry (a slot that was invalid). */
static inline void write_slot(struct tlb *t, uint32_t slot, struct tag tag,
                              const struct tlb_entry *e)
{
    write_entry(t, slot, tag, e);
    count_add(t, tag);
}

/* Fills an invalid (set, way) and makes it most recently used. */
static void install(struct tlb *t, unsigned set, unsigned way, struct tag tag,
                    const struct tlb_entry *e)
{
    uint32_t slot = slot_of(t, set, way);

    write_slot(t, slot, tag, e);
    free_clear(t, set, way);
    t->valid++;
    if (t->repl == TLB_LRU && way >= t->floor)
        lru_push_head(t, set, slot);    /* so touch() only ever moves it */
    touch(t, set, slot);
}

/*
 * Replaces the valid entry at (set, way) with another tag: the common miss in a full
 * set, done without passing through the invalid state (the free map, the valid count
 * and the lru list membership do not change).
 */
static void replace(struct tlb *t, unsigned set, unsigned way, struct tag tag,
                    const struct tlb_entry *e)
{
    uint32_t slot = slot_of(t, set, way);
    struct tag old = slot_tag(t, slot);

    t->stats.evictions++;
    t->stats.evictions_by_size[TAG_SIZE(old)]++;
    hash_remove(t, slot);
    region_sub(t, old);
    write_entry(t, slot, tag, e);
    if ((old.ctx ^ tag.ctx) & (CTX_GLOBAL | 3u << CTX_SIZE_SHIFT)) {
        count_sub(t, old);
        count_add(t, tag);
    }
    touch(t, set, slot);
    if (t->repl == TLB_LRU)
        lru_prefetch_victims(t, slot);
}

/* The policy's choice in a set with no invalid unlocked way and floor < ways. */
static unsigned policy_victim(struct tlb *t, unsigned set)
{
    switch (t->repl) {
    case TLB_LRU:
        return lru_tail(t, set) - set * t->ways;
    case TLB_PLRU:
        return plru_victim(t, set);
    case TLB_ROUND_ROBIN: {
        unsigned v = t->rr[set] < t->floor ? t->floor : t->rr[set];

        t->rr[set] = v + 1 < t->ways ? v + 1 : t->floor;
        return v;
    }
    case TLB_RANDOM:
    default: {
        uint64_t range = t->ways - t->floor;

        /* The top 32 bits scaled to [0, range): range <= 2^20, so no overflow. */
        return t->floor + (unsigned)(((rng_next(&t->rng) >> 32) * range) >> 32);
    }
    }
}

/* ------------------------------------------------------------------ new / free */

struct tlb *tlb_new(const struct tlb_config *cfg)
{
    if (tlb_config_check(cfg, NULL, 0))
        return NULL;

    struct tlb *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    size_t n = cfg->entries;
    t->cfg = *cfg;
    t->repl = cfg->replacement;
    t->ways = cfg->ways;
    t->sets = cfg->entries / cfg->ways;
    t->set_mask = t->sets - 1;
    t->slots = cfg->entries;
    t->words = (t->ways + 63) / 64;
    t->rng = cfg->seed;
    t->tags_gen = 1;            /* a memo of generation 0 is one never written */
    t->lru_plain = t->repl == TLB_LRU;     /* one_plain follows at the first fill */

    /*
     * At most a sixteenth full (a quarter past HASH_BIG_ENTRIES, to bound the
     * memory to what half-full 16-byte buckets took): nearly every probe run is
     * one bucket long, so a lookup reads one bucket, a deletion shifts nothing and
     * the probe loops' exits are predicted. At half full (the first design) the
     * backward-shift loop of deletion was a quarter of a random miss's time; on
     * random misses 1/16 measured 15-20% faster than 1/8 and 1/8 40% faster
     * than 1/4 (docs/performance.md).
     */
    uint64_t buckets = 16, load = n > HASH_BIG_ENTRIES ? 4 : 16;
    while (buckets < load * (uint64_t)n)
        buckets *= 2;
    t->hash_mask = buckets - 1;
    t->hash_shift = 64 - ilog2(buckets);
    /* about four region buckets per entry, so that few smaller entries share one */
    t->region_bits = ilog2(n) + 2 > REGION_MIN_BITS ? ilog2(n) + 2 : REGION_MIN_BITS;

    t->hash = calloc(buckets, sizeof(*t->hash));
    t->rec = aligned_alloc(sizeof(*t->rec), n * sizeof(*t->rec));
    if (t->rec)
        memset(t->rec, 0, n * sizeof(*t->rec));
    t->freemap = calloc((size_t)t->sets * t->words, sizeof(*t->freemap));
    t->free_hint = calloc(t->sets, sizeof(*t->free_hint));
    t->free_unlocked = calloc(t->sets, sizeof(*t->free_unlocked));
    bool ok = t->hash && t->rec && t->freemap && t->free_hint && t->free_unlocked;
    if (t->repl == TLB_LRU) {
        t->head = malloc(t->sets * sizeof(*t->head));
        ok = ok && t->head;
    } else if (t->repl == TLB_PLRU) {
        t->plru = calloc(n, 1);
        ok = ok && t->plru;
    } else if (t->repl == TLB_ROUND_ROBIN) {
        t->rr = calloc(t->sets, sizeof(*t->rr));
        ok = ok && t->rr;
    }
    if (!ok) {
        tlb_free(t);
        return NULL;
    }

    for (unsigned s = 0; s < t->sets; s++) {
        for (unsigned w = 0; w < t->ways; w++)
            free_mark(t, s, w);
        if (t->head)
            lru_clear(t, s);
    }
    return t;
}

void tlb_free(struct tlb *t)
{
    if (!t)
        return;
    free(t->hash);
    free(t->rec);
    free(t->memo);
    free(t->region);
    free(t->head);
    free(t->plru);
    free(t->rr);
    free(t->freemap);
    free(t->free_hint);
    free(t->free_unlocked);
    free(t);
}

const struct tlb_config *tlb_config(const struct tlb *t)
{
    return &t->cfg;
}

/* ------------------------------------------------------------------ lookup */

/*
 * The full search: sizes from 4K up, and within a size the ASID-tagged entry before
 * the global one; kinds and sizes with no valid entry are skipped. Returns the slot
 * and its set, or NONE.
 */
static inline __attribute__((always_inline)) uint32_t search(const struct tlb *t, uint8_t vmid, uint8_t asid,
                              uint64_t va, unsigned *set_out)
{
    const uint32_t base = fast_ctx(vmid, asid);

    for (unsigned k = 0; k < t->nprobes; k++) {
        const struct probe *p = &t->probe[k];
        uint64_t vpn = va >> p->shift;
        uint32_t slot = hash_find(t, (struct tag){ .vpn = vpn, .ctx = (base & p->keep) | p->add });

        if (slot != NONE) {
            *set_out = set_of(t, vpn);
            return slot;
        }
    }
    return NONE;
}

/* A lookup past the one-entry cache: the search, and the cache and counters after it. */
static inline __attribute__((always_inline)) const struct tlb_entry *
lookup_search(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va)
{
    uint32_t ctx = fast_ctx(vmid, asid);
    unsigned set;
    uint32_t slot = search(t, vmid, asid, va, &set);

    if (slot == NONE) {
        t->stats.misses++;
        t->miss_va = va;
        t->miss_ctx = ctx;
        return NULL;
    }
    record_hit(t, va, ctx, set, slot, t->rec[slot].ent.size);
    return &t->rec[slot].ent;
}

/* Out of line, so that the common hit below saves and restores no registers. */
static __attribute__((noinline)) const struct tlb_entry *
lookup_slow(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va)
{
    return lookup_search(t, vmid, asid, va);
}

/*
 * The one-entry cache: the last lookup's entry, touched then, and nothing was
 * touched, filled or removed since (any of those changes or clears the cache):
 * touching it again would change no replacement state (it is the lru list's head
 * and holds the latest stamp; its plru path already points away).
 */
static inline bool fast_hit(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va)
{
    t->stats.lookups++;
    if (__builtin_expect(fast_ctx(vmid, asid) == t->fast_ctx &&
                         (va & t->fast_mask) == t->fast_page, 1)) {
        t->stats.hits++;
        t->stats.hits_by_size[t->fast_size]++;
        return true;
    }
    return false;
}

const struct tlb_entry *tlb_lookup(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va)
{
    if (fast_hit(t, vmid, asid, va))
        return &t->rec[t->fast_slot].ent;
    return lookup_slow(t, vmid, asid, va);
}

const struct tlb_entry *tlb_probe(const struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va)
{
    unsigned set;
    uint32_t slot = search(t, vmid, asid, va, &set);

    return slot == NONE ? NULL : &t->rec[slot].ent;
}

/* Every (size, kind) pair present probed, as search() does, but all of them. */
unsigned tlb_match_count(const struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va)
{
    const uint32_t base = fast_ctx(vmid, asid);
    unsigned n = 0;

    for (unsigned k = 0; k < t->nprobes; k++) {
        const struct probe *p = &t->probe[k];
        struct tag tag = { .vpn = va >> p->shift, .ctx = (base & p->keep) | p->add };

        n += hash_find(t, tag) != NONE;
    }
    return n;
}

/*
 * The entries matching va, the one at `slot` among them, where slot is the one-entry
 * cache's hit: search() found it probing (size, kind) pairs in order and nothing has
 * changed since (every change clears the cache), so the probes before its pair found
 * nothing and only the later ones can add a match. When the cache covers the entry's
 * whole page, va may be another address of that page than the search's; the probes
 * before the pair still find nothing there (cover_shift).
 */
static unsigned matches_from_hit(const struct tlb *t, uint8_t vmid, uint8_t asid,
                                 uint64_t va, uint32_t slot)
{
    const uint32_t base = fast_ctx(vmid, asid);
    const uint32_t kind = t->rec[slot].ctx & (CTX_GLOBAL | 3u << CTX_SIZE_SHIFT);
    unsigned k = 0, n = 1;

    while (k < t->nprobes && t->probe[k].add != kind)
        k++;
    for (k++; k < t->nprobes; k++) {
        const struct probe *p = &t->probe[k];
        struct tag tag = { .vpn = va >> p->shift, .ctx = (base & p->keep) | p->add };

        if (hash_find(t, tag) != NONE)
            n++;
    }
    return n;
}

/*
 * matches_from_hit, remembered per slot. The probes go up in size, so every entry
 * that a later probe finds covers the whole page of the hit's entry (it is aligned
 * and at least as large): the count is the same for every address the hit's entry
 * answers, given the lookup's context and the tags present. A rotating or tiled
 * master hits many pages of few entries in turn and seldom fills, so the count is
 * mostly taken from here rather than probed again.
 */
static unsigned memo_matches(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va,
                             uint32_t slot)
{
    const uint32_t ctx = fast_ctx(vmid, asid);
    struct match_memo *m;

    if (!t->memo) {
        t->memo = calloc(t->ways * t->sets, sizeof(*t->memo));
        if (!t->memo)           /* the count is still right, only not remembered */
            return matches_from_hit(t, vmid, asid, va, slot);
    }
    m = &t->memo[slot];
    if (m->gen != t->tags_gen || m->ctx != ctx)
        *m = (struct match_memo){ .gen = t->tags_gen, .ctx = ctx,
                                  .n = matches_from_hit(t, vmid, asid, va, slot) };
    return m->n;
}

/*
 * tlb_lookup, and the number of entries that match. The count is kept with the
 * one-entry cache, so repeated hits on one page count once; more than one (size,
 * kind) pair must be present for a second match to exist at all.
 */
const struct tlb_entry *tlb_lookup_matches(struct tlb *t, uint8_t vmid, uint8_t asid,
                                           uint32_t va, unsigned *matches)
{
    const struct tlb_entry *e = tlb_lookup(t, vmid, asid, va);

    if (!e) {
        *matches = 0;
        return NULL;
    }
    if (!t->fast_matches)       /* nprobes: the (size, kind) pairs present */
        t->fast_matches = t->nprobes > 1 ? memo_matches(t, vmid, asid, va, t->fast_slot) : 1;
    *matches = t->fast_matches;
    return e;
}

/* ------------------------------------------------------------------ fill */

/* With lke: the way software named, then the victim register advances in its region. */
static unsigned lockdown_victim(struct tlb *t)
{
    unsigned v = t->victim;

    if (v < t->floor)
        t->victim = v + 1 < t->floor ? v + 1 : 0;
    else
        t->victim = v + 1 < t->ways ? v + 1 : t->floor;
    return v;
}

/* A fill while lke is set: to the victim way, whatever it holds. */
static void fill_lockdown(struct tlb *t, unsigned set, uint32_t old, struct tag tag,
                          const struct tlb_entry *e)
{
    unsigned way = lockdown_victim(t);
    uint32_t target = slot_of(t, set, way);

    /* The same tag elsewhere in the set is moved to the victim way, not duplicated. */
    if (old != NONE && old != target)
        tlb_remove_slot(t, set, old - set * t->ways);
    if (old == target) {
        tlb_remove_slot(t, set, way);
        install(t, set, way, tag, e);
    } else if (t->rec[target].ctx) {
        replace(t, set, way, tag, e);
    } else {
        install(t, set, way, tag, e);
    }
}

/*
 * True when the last lookup missed at an address of e's page, for e's VMID (and
 * ASID if e is non-global), and nothing was filled or removed since: that lookup
 * searched e's exact tag (or skipped it, no entry of its kind and size being
 * valid) and found nothing, so the fill needs no search of its own. The usual
 * miss, a lookup and then the fill of the walk's result, saves a hash probe.
 */
static inline bool known_absent(const struct tlb *t, const struct tlb_entry *e, uint64_t vpn)
{
    if (t->miss_ctx == 0 || (t->miss_va >> page_shift(e->size)) != vpn)
        return false;
    if (e->attrs.ng)
        return t->miss_ctx == fast_ctx(e->vmid, e->asid);
    return ((t->miss_ctx >> CTX_VMID_SHIFT) & 0xFFu) == e->vmid;
}

int tlb_fill(struct tlb *t, const struct tlb_entry *e)
{
    if (!t || !e || (unsigned)e->size >= PAGE_SIZES)
        return -EINVAL;

    uint64_t vpn = e->va >> page_shift(e->size);
    struct tag tag = make_tag(e->size, e->vmid, !e->attrs.ng, e->asid, vpn);
    unsigned set = set_of(t, vpn);
    uint32_t old = known_absent(t, e, vpn) ? NONE : hash_find(t, tag);

    if (__builtin_expect(t->lke, 0)) {
        fill_lockdown(t, set, old, tag, e);
    } else if (old != NONE) {
        /* Same tag: rewrite the translation where it is. */
        t->rec[old].ent = *e;
        t->rec[old].ent.va = e->va & ~((uint64_t)page_bytes(e->size) - 1);
        touch(t, set, old);
    } else if (t->free_unlocked[set]) {
        install(t, set, free_lowest_unlocked(t, set), tag, e);
    } else if (t->floor < t->ways) {
        replace(t, set, policy_victim(t, set), tag, e);
    } else {
        return -ENOSPC;
    }
    tags_changed(t);
    t->stats.fills++;
    t->stats.fills_by_size[e->size]++;
    return 0;
}

/*
 * The counts after lru_replace_absent put tag where old was (the slot holds tag
 * already): the region counts, if kept, and the (size, kind) counts when those differ,
 * which may start the region counts (they then count the slot as it is now).
 */
static __attribute__((noinline)) void recount_replaced(struct tlb *t, struct tag old, struct tag tag)
{
    region_sub(t, old);
    region_add(t, tag);
    if ((old.ctx ^ tag.ctx) & (CTX_GLOBAL | 3u << CTX_SIZE_SHIFT)) {
        count_sub(t, old);
        count_add(t, tag);
    }
}

/*
 * The usual miss of a replayed trace, as tlb_fill would do it when the tag is known
 * absent, lru with no lockdown and no locked way, and the set full: the victim is
 * the tail, and making it the most recent is a rotation. The new tag's bucket is
 * inserted before the victim's is removed, so the backward shift of the removal
 * keeps every probe run whole, the new one included, and the new tag is hashed
 * once. The buckets then differ from tlb_fill's order of work, nothing else.
 */
static inline __attribute__((always_inline)) void
lru_replace_absent(struct tlb *t, unsigned set, struct tag tag, uint64_t bucket, uint32_t check,
                   const struct tlb_entry *e)
{
    uint32_t slot = lru_tail(t, set);
    struct slot_rec *r = &t->rec[slot];
    uint32_t old_ctx = r->ctx;
    uint32_t hole = r->where;

    t->stats.evictions++;
    t->stats.evictions_by_size[(old_ctx >> CTX_SIZE_SHIFT) & 3u]++;
    t->hash[bucket] = (struct bucket){ .check = check, .slot = slot };
    r->where = (uint32_t)bucket;
    hash_remove_at(t, hole);
    uint64_t old_vpn = r->vpn;
    r->ent = *e;
    r->ent.va = tag.vpn << page_shift(e->size);     /* tag is e's: e->va aligned down */
    r->vpn = tag.vpn;
    r->ctx = tag.ctx;
    /* One test for both, off the usual miss: another (size, kind), or counts kept. */
    if (__builtin_expect(((old_ctx ^ tag.ctx) & (CTX_GLOBAL | 3u << CTX_SIZE_SHIFT)) |
                         t->region_on, 0))
        recount_replaced(t, (struct tag){ .vpn = old_vpn, .ctx = old_ctx }, tag);
    t->head[set] = slot;
    lru_prefetch_victims(t, slot);
    tags_changed(t);
    t->stats.fills++;
    t->stats.fills_by_size[e->size]++;
}

/* The empty bucket ending the probe run of a tag known to be absent, and its check. */
static inline uint64_t hash_free_bucket(const struct tlb *t, struct tag tag, uint32_t *check)
{
    uint64_t h = hash_of(tag.vpn, tag.ctx), i = h >> t->hash_shift;

    while (t->hash[i].check)
        i = (i + 1) & t->hash_mask;
    *check = hash_check(h);
    return i;
}

/* tlb_fill after a miss of the lookup, the short way when it applies. */
static inline __attribute__((always_inline)) int
fill_after_miss(struct tlb *t, const struct tlb_entry *fill)
{
    if (!fill || (unsigned)fill->size >= PAGE_SIZES)
        return -EINVAL;

    uint64_t vpn = fill->va >> page_shift(fill->size);
    unsigned set = set_of(t, vpn);

    if (!t->lru_plain || t->free_unlocked[set] || !known_absent(t, fill, vpn)) {
        int rc = tlb_fill(t, fill);
        return rc < 0 ? rc : 0;
    }
    struct tag tag = make_tag(fill->size, fill->vmid, !fill->attrs.ng, fill->asid, vpn);
    uint32_t check;
    uint64_t bucket = hash_free_bucket(t, tag, &check);

    lru_replace_absent(t, set, tag, bucket, check, fill);
    return 0;
}

/*
 * touch() for a hit under lru with no locked way (lru_plain): every valid way is on
 * its set's circle, so the hit way is the head (nothing to do), the tail (the
 * rotation), or inside, with a prev and a next other than itself.
 */
static inline __attribute__((always_inline)) void
lru_plain_hit(struct tlb *t, unsigned set, uint32_t slot)
{
    struct slot_rec *r = t->rec;
    uint32_t h = t->head[set];

    if (h == slot)
        return;
    t->head[set] = slot;
    uint32_t tail = r[h].prev;
    if (tail == slot)
        return;                 /* the rotation: every other way keeps its place */
    uint32_t p = r[slot].prev, n = r[slot].next;
    r[p].next = n;
    r[n].prev = p;
    r[slot].prev = tail;
    r[slot].next = h;
    r[tail].next = slot;
    r[h].prev = slot;
}

/* The other policies' touch of a hit, out of line: nothing is live across it. */
static __attribute__((noinline)) int touch_hit(struct tlb *t, unsigned set, uint32_t slot)
{
    touch(t, set, slot);
    return 1;
}

/* Out of line, so that the short miss below saves no registers for tlb_fill's path. */
static __attribute__((noinline)) int fill_after_miss_out(struct tlb *t, const struct tlb_entry *fill)
{
    return fill_after_miss(t, fill);
}

/*
 * The miss of access_one_probe for tag: bucket i is the empty one ending the tag's
 * probe run, where the fill of that same tag goes, and check its check word; the
 * caller has recorded the miss (miss_va, miss_ctx) for tlb_fill's known_absent.
 * Out of line, so that the hit saves and restores no registers; six arguments, all
 * in registers, so the call is a jump.
 */
static __attribute__((noinline)) int
access_one_miss(struct tlb *t, uint64_t vpn, uint32_t tag_ctx, uint64_t i, uint32_t check,
                const struct tlb_entry *fill)
{
    t->stats.misses++;
    if (fill && (unsigned)fill->size < PAGE_SIZES) {
        struct tag tag = { .vpn = vpn, .ctx = tag_ctx };
        uint64_t fvpn = fill->va >> page_shift(fill->size);
        struct tag want = make_tag(fill->size, fill->vmid, !fill->attrs.ng, fill->asid, fvpn);
        unsigned set = set_of(t, fvpn);

        if (tag_eq(want, tag) && t->lru_plain && !t->free_unlocked[set]) {
            lru_replace_absent(t, set, tag, i, check, fill);
            return 0;
        }
    }
    return fill_after_miss_out(t, fill);
}

/*
 * tlb_access when a single (size, kind) pair is present, as in a replayed trace:
 * one probe. A hit is counted here; the miss ends at the empty bucket where the
 * fill of that same tag goes, so the usual miss hashes and probes once in all.
 *
 * With home_only, a probe run longer than the tag's home bucket (rare: the table
 * is at most a quarter full) is left to access_one_run. The inlined probe then has
 * no loop, holds fewer values at once, and the one-entry cache's hit before it in
 * tlb_access needs no saved register. tlb_access inlines it only under lru_plain
 * (one_plain), so that case's hit tests no policy.
 */
static int access_one_run(struct tlb *t, uint32_t ctx, uint64_t va, const struct tlb_entry *fill);

static inline __attribute__((always_inline)) int
access_one_probe(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va,
                 const struct tlb_entry *fill, bool home_only)
{
    const struct probe *p = &t->probe[0];
    const uint32_t ctx = fast_ctx(vmid, asid);
    struct tag tag = { .vpn = va >> p->shift, .ctx = (ctx & p->keep) | p->add };
    uint64_t h = hash_of(tag.vpn, tag.ctx), i = h >> t->hash_shift;
    uint32_t check = hash_check(h), slot;

    for (;; i = (i + 1) & t->hash_mask) {
        const struct bucket *b = &t->hash[i];

        if (b->check == check) {
            slot = b->slot;
            if (tag_eq(slot_tag(t, slot), tag))
                break;
        } else if (!b->check) {
            t->miss_va = va;
            t->miss_ctx = ctx;
            return access_one_miss(t, tag.vpn, tag.ctx, i, check, fill);
        }
        if (home_only)
            return access_one_run(t, ctx, va, fill);
    }

    unsigned set = set_of(t, tag.vpn), size = TAG_SIZE(tag);

    /* One (size, kind) pair is present, so nothing smaller hides in the page. */
    note_hit_covering(t, va, p->page_mask, ctx, slot, size);
    if (!home_only && !t->lru_plain)    /* home_only: the caller saw one_plain */
        return touch_hit(t, set, slot);
    lru_plain_hit(t, set, slot);
    return 1;
}

/* The lookup's VMID and ASID come as its context word, so the caller need keep neither. */
static __attribute__((noinline)) int access_one_run(struct tlb *t, uint32_t ctx, uint64_t va,
                                                    const struct tlb_entry *fill)
{
    return access_one_probe(t, (uint8_t)(ctx >> CTX_VMID_SHIFT), (uint8_t)(ctx >> CTX_ASID_SHIFT),
                            va, fill, false);
}

static __attribute__((noinline)) int access_slow(struct tlb *t, uint8_t vmid, uint8_t asid,
                                                 uint64_t va, const struct tlb_entry *fill)
{
    if (lookup_search(t, vmid, asid, va))
        return 1;
    return fill_after_miss(t, fill);
}

int tlb_access(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va,
               const struct tlb_entry *fill)
{
    if (fast_hit(t, vmid, asid, va))
        return 1;
    if (__builtin_expect(t->one_plain, 1))
        return access_one_probe(t, vmid, asid, va, fill, true);
    if (t->nprobes == 1)
        return access_one_run(t, fast_ctx(vmid, asid), va, fill);
    return access_slow(t, vmid, asid, va, fill);
}
