/*
 * tlb_priv.h - the TLB model's data and its small operations, shared by the files
 * of the model: tlb.c (creation, lookup, fill, the trace study's tlb_access) and
 * tlb_maint.c (invalidation, lockdown, read-back). Nothing outside models/tlb*.c
 * includes it; the model's interface is models/tlb.h.
 *
 * The operations here are static inline because the lookup and fill paths are
 * built from them and must not pay a call for each.
 */
#ifndef IOMMUSIM_MODELS_TLB_PRIV_H
#define IOMMUSIM_MODELS_TLB_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/tlb.h"

/*
 * A tag is everything an entry is matched on, in two words: the VA page number at
 * the entry's own size (a 64-bit VA gives up to 52 bits at 4K, so the number has a
 * word of its own) and a context word:
 *   [7:0]   VMID
 *   [15:8]  ASID (zero for a global entry)
 *   [16]    global (ng = false): the ASID does not take part in the match
 *   [18:17] page size
 *   [31]    valid: set in every tag, so a zero context word is an invalid slot
 *           or an empty hash bucket
 */
struct tag {
    uint64_t vpn;
    uint32_t ctx;
};

#define CTX_VMID_SHIFT      0
#define CTX_ASID_SHIFT      8
#define CTX_GLOBAL          (1u << 16)
#define CTX_SIZE_SHIFT      17
#define CTX_VALID           (1u << 31)
#define TAG_VMID(tag)       ((uint8_t)((tag).ctx >> CTX_VMID_SHIFT))
#define TAG_ASID(tag)       ((uint8_t)((tag).ctx >> CTX_ASID_SHIFT))
#define TAG_SIZE(tag)       (((tag).ctx >> CTX_SIZE_SHIFT) & 3u)
#define TAG_GLOBAL(tag)     (((tag).ctx & CTX_GLOBAL) != 0)

/*
 * A hash bucket: the slot holding a tag, and a check word from the tag's hash (its
 * top 32 bits, bit 0 forced to 1) so that most buckets of other tags are passed
 * without reading the slot's tag; check 0 is an empty bucket. Eight bytes, so the
 * sparse table stays small in the caches. The bucket index is the hash's top bits
 * too, so a bucket's home is its check word shifted (buckets <= 2^31).
 */
struct bucket {
    uint32_t check;
    uint32_t slot;
};

#define HASH_MULT           0x9E3779B97F4A7C15ull   /* 2^64 / golden ratio, odd */
#define HASH_CTX_SHIFT      40  /* the context above the page numbers of 40-bit VAs */
#define HASH_BIG_ENTRIES    (1u << 16)  /* above this, a load factor of 1/4, not 1/16 */

/*
 * The last-lookup cache: the base of the page holding the lookup's address and its
 * VMID, ASID and valid bit. The page is 4 KiB, or the hit entry's whole page when no
 * smaller entry of its VMID lies in it (the region counts below).
 */
#define FAST_PAGE_SHIFT     12

/*
 * Region counts, kept from the first time entries of two sizes are valid at once:
 * for each size S above 4 KiB, a table of counts of the valid entries smaller than
 * S, each counted in the bucket that the hash of its VMID and its page of size S
 * picks. A zero bucket means that no smaller entry of that VMID lies in that page,
 * so every address of a hit entry's page finds the entry first, and the one-entry
 * cache covers the page. Collisions only make a bucket look taken.
 */
#define REGION_MIN_BITS     8

#define NONE                UINT32_MAX

/*
 * Everything about one slot in one 64-byte record (allocated line-aligned): the
 * translation handed to callers, its tag, the hash bucket holding the tag, the lru
 * links and stamp. A random miss then touches the victim's record and its bucket,
 * rather than a slot array, a tag array, a bucket array and a link array apart.
 *
 * The lru list of a set is circular with no sentinel: head[set] is the most
 * recently used way and its prev the least (NONE: an empty list). The usual miss in
 * a full set makes the least recently used way the most recent, a rotation of the
 * circle: head[set] moves to it and no link is written.
 */
struct slot_rec {
    struct tlb_entry ent;
    uint64_t vpn;               /* the tag: page number, */
    uint32_t ctx;               /* and context word; 0 if the slot is invalid */
    uint32_t where;             /* the bucket of the tag while valid */
    uint32_t prev, next;        /* lru: the set's recency circle */
    uint64_t stamp;             /* lru, while floor > 0: last touch; orders the lists on a
                                   floor change */
};

_Static_assert(sizeof(struct slot_rec) == 64, "one slot, one cache line");

/*
 * One hash probe of the search: a (size, kind) pair with a valid entry. The context
 * word of a lookup for (vmid, asid) is (fast_ctx(vmid, asid) & keep) | add: keep
 * drops the ASID of a global probe, add is the size and the global bit.
 */
struct probe {
    uint32_t keep, add;
    uint32_t shift;
    uint64_t page_mask;         /* ~(page bytes - 1): the cover of a hit at this probe
                                   when it is the only one */
};

/*
 * A slot's last count of matching entries (tlb_lookup_matches), for lookups of one
 * context, valid while no tag came or went since (gen is the TLB's tags_gen then).
 */
struct match_memo {
    uint64_t gen;
    uint32_t ctx;
    uint32_t n;
};

struct tlb {
    /* Hot fields first: everything a lookup touches. */
    uint64_t fast_page;         /* va & fast_mask of the last hit: its page's base */
    uint64_t fast_mask;         /* a 4 KiB page's, or the hit entry's page's */
    uint32_t fast_ctx;          /* its VMID, ASID and CTX_VALID; 0: empty */
    uint32_t fast_slot;
    uint32_t fast_size;         /* its entry's page size: the hit's count needs no record */
    unsigned fast_matches;      /* entries matching the last hit's access; 0: not counted */
    uint64_t tags_gen;          /* moves on whenever a tag comes or goes */
    struct match_memo *memo;    /* per slot; allocated at the first count needed */
    uint64_t miss_va;           /* the last lookup that missed, while nothing changed since */
    uint32_t miss_ctx;          /* its VMID, ASID and CTX_VALID; 0: none */
    uint8_t present_ng;         /* bit s: some non-global entry of size s is valid */
    uint8_t present_g;          /* bit s: some global entry of size s is valid */
    uint8_t nprobes;            /* the (size, kind) pairs present, in search order: */
    bool lru_plain;             /* lru, no lockdown, no locked way: tlb_access's short miss */
    bool one_plain;             /* lru_plain and nprobes == 1: tlb_access's inlined probe */
    uint32_t set_mask;          /* sets - 1 */
    struct probe probe[2 * PAGE_SIZES];
    enum tlb_replacement repl;
    unsigned ways, sets;
    struct bucket *hash;
    uint64_t hash_mask;
    unsigned hash_shift;        /* 64 - log2(buckets) */
    uint64_t clock;             /* lru recency stamps */
    struct slot_rec *rec;       /* [sets * ways] */
    uint32_t *head;             /* lru: [sets], the most recent way's slot, or NONE */
    uint32_t slots;             /* sets * ways */
    uint8_t *plru;              /* plru: ways bytes per set, node 1 is the root */
    uint32_t *rr;               /* round-robin pointer per set */
    uint64_t rng;               /* splitmix64 state */
    uint64_t *freemap;          /* per set, bit w: way w invalid */
    unsigned words;             /* freemap words per set */
    uint32_t *free_hint;        /* per set: words below it are all zero */
    uint32_t *free_unlocked;    /* per set: invalid ways at or above floor */
    unsigned count[2][PAGE_SIZES];  /* valid entries: [global][size] */
    uint32_t *region;           /* [PAGE_SIZES - 1][1 << region_bits]: NULL until kept */
    unsigned region_bits;
    bool region_on;             /* region holds the counts of every valid entry */
    unsigned valid;
    bool lke;
    unsigned floor, victim;
    struct tlb_stats stats;
    struct tlb_config cfg;
};

/* ------------------------------------------------------------------ small helpers */

static inline uint32_t make_ctx(enum page_size size, uint8_t vmid, bool global, uint8_t asid)
{
    uint32_t c = (uint32_t)vmid << CTX_VMID_SHIFT | (uint32_t)size << CTX_SIZE_SHIFT | CTX_VALID;

    return global ? c | CTX_GLOBAL : c | (uint32_t)asid << CTX_ASID_SHIFT;
}

static inline struct tag make_tag(enum page_size size, uint8_t vmid, bool global,
                                  uint8_t asid, uint64_t vpn)
{
    return (struct tag){ .vpn = vpn, .ctx = make_ctx(size, vmid, global, asid) };
}

static inline uint32_t fast_ctx(uint8_t vmid, uint8_t asid)
{
    return (uint32_t)vmid << CTX_VMID_SHIFT | (uint32_t)asid << CTX_ASID_SHIFT | CTX_VALID;
}

static inline unsigned set_of(const struct tlb *t, uint64_t vpn)
{
    return (unsigned)(vpn & t->set_mask);
}

static inline uint32_t slot_of(const struct tlb *t, unsigned set, unsigned way)
{
    return set * t->ways + way;
}

static inline struct tag slot_tag(const struct tlb *t, uint32_t slot)
{
    return (struct tag){ .vpn = t->rec[slot].vpn, .ctx = t->rec[slot].ctx };
}

/* ------------------------------------------------------------------ the hash */

static inline uint64_t hash_of(uint64_t vpn, uint32_t ctx)
{
    return (vpn ^ (uint64_t)ctx << HASH_CTX_SHIFT) * HASH_MULT;
}

static inline uint32_t hash_check(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1u;
}

static inline uint64_t bucket_home(const struct tlb *t, uint32_t check)
{
    return check >> (t->hash_shift - 32);
}

static inline bool tag_eq(struct tag a, struct tag b)
{
    return a.ctx == b.ctx && a.vpn == b.vpn;
}

static inline uint32_t hash_find(const struct tlb *t, struct tag tag)
{
    uint64_t h = hash_of(tag.vpn, tag.ctx), i = h >> t->hash_shift;
    uint32_t check = hash_check(h);

    for (;;) {
        const struct bucket *b = &t->hash[i];

        if (b->check == check && tag_eq(slot_tag(t, b->slot), tag))
            return b->slot;
        if (!b->check)
            return NONE;
        i = (i + 1) & t->hash_mask;
    }
}

static inline void hash_insert(struct tlb *t, struct tag tag, uint32_t slot)
{
    uint64_t h = hash_of(tag.vpn, tag.ctx), i = h >> t->hash_shift;

    while (t->hash[i].check)
        i = (i + 1) & t->hash_mask;
    t->hash[i] = (struct bucket){ .check = hash_check(h), .slot = slot };
    t->rec[slot].where = (uint32_t)i;
}

/*
 * Removes the tag of a slot, found at once through where[]. Later buckets of the
 * same probe run are shifted back into the hole (their slots' where[] follows), so
 * no tombstones accumulate and searches stay short however many fills and
 * evictions the TLB sees. At the load factor of tlb_new most runs end at the next
 * bucket, so the loop usually reads one empty bucket and stops.
 */
static inline void hash_remove_at(struct tlb *t, uint64_t i)
{
    uint64_t j = i;

    for (;;) {
        j = (j + 1) & t->hash_mask;
        struct bucket b = t->hash[j];
        if (!b.check)
            break;
        uint64_t home = bucket_home(t, b.check);
        /* b may fill the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->hash[i] = b;
            t->rec[b.slot].where = (uint32_t)i;
            i = j;
        }
    }
    t->hash[i] = (struct bucket){ 0 };
}

static inline void hash_remove(struct tlb *t, uint32_t slot)
{
    hash_remove_at(t, t->rec[slot].where);
}

/* ------------------------------------------------------------------ lru lists */

static inline uint32_t lru_head(const struct tlb *t, unsigned set)
{
    return t->head[set];
}

/* The least recently used way of a set whose list is not empty. */
static inline uint32_t lru_tail(const struct tlb *t, unsigned set)
{
    return t->rec[t->head[set]].prev;
}

static inline void lru_unlink(struct tlb *t, unsigned set, uint32_t slot)
{
    struct slot_rec *r = t->rec;
    uint32_t p = r[slot].prev, n = r[slot].next;

    if (n == slot) {
        t->head[set] = NONE;
        return;
    }
    r[p].next = n;
    r[n].prev = p;
    if (t->head[set] == slot)
        t->head[set] = n;
}

/* Links a slot that is on no list in as the most recently used. */
static inline void lru_push_head(struct tlb *t, unsigned set, uint32_t slot)
{
    struct slot_rec *r = t->rec;
    uint32_t h = t->head[set];

    if (h == NONE) {
        r[slot].prev = r[slot].next = slot;
    } else {
        uint32_t tail = r[h].prev;
        r[slot].prev = tail;
        r[slot].next = h;
        r[tail].next = slot;
        r[h].prev = slot;
    }
    t->head[set] = slot;
}

static inline void lru_clear(struct tlb *t, unsigned set)
{
    t->head[set] = NONE;
}

/* ------------------------------------------------------------------ plru tree */

/*
 * Node n (1 .. ways - 1) has children 2n and 2n + 1; leaf ways + w is way w. A node
 * bit of 0 sends the victim search to the left (lower-numbered) half, 1 to the right.
 * A touch sets every node on the way's path to point away from it.
 */
static inline void plru_touch(struct tlb *t, unsigned set, unsigned way)
{
    uint8_t *bits = t->plru + (size_t)set * t->ways;

    for (unsigned n = t->ways + way; n > 1; n >>= 1)
        bits[n >> 1] = !(n & 1);
}

/* ------------------------------------------------------------------ free ways */

static inline void free_mark(struct tlb *t, unsigned set, unsigned way)
{
    unsigned w = way >> 6;

    t->freemap[(size_t)set * t->words + w] |= 1ull << (way & 63);
    if (w < t->free_hint[set])
        t->free_hint[set] = w;
    if (way >= t->floor)
        t->free_unlocked[set]++;
}

static inline void free_clear(struct tlb *t, unsigned set, unsigned way)
{
    t->freemap[(size_t)set * t->words + (way >> 6)] &= ~(1ull << (way & 63));
    if (way >= t->floor)
        t->free_unlocked[set]--;
}

/* ------------------------------------------------------------------ tlb.c, for tlb_maint.c */

/* Takes a valid entry out of every structure; the counters are the caller's. */
void tlb_remove_slot(struct tlb *t, unsigned set, unsigned way);

#endif
