/*
 * mrc.c - miss-ratio curves of lru TLBs in one pass (models/mrc.h).
 *
 * The stack algorithm of Mattson, Gecsei, Slutz and Traiger ("Evaluation techniques
 * for storage hierarchies", IBM Systems Journal 9(2), 1970) gives every lru size from
 * one histogram of stack distances; the distances are counted as Bennett and Kruskal
 * ("LRU stack processing", IBM J. Res. Dev. 19(4), 1975) do, with a tree of partial
 * sums over reference times (here a Fenwick tree) instead of a walk down the stack.
 *
 * A group of stacks (struct stacks) is S sets of depth W: the W most recent pages of
 * each set. A page held has a slot (its page number and the time of its last
 * reference); a hash maps page numbers to slots. Each set has its own clock and a
 * window of `win` times: a bitmap of the times in use, owner[t] the slot whose last
 * reference was at time t (meaningful only while t is in use, so a reference
 * writes no owner of its old time), and a Fenwick tree counting the times in use
 * word by word. The distance of a
 * reference to a page held at time t is the number of times in use after t. A page
 * not held is beyond the depth: when its set is full, the least recently used page
 * (the oldest time in use, found by a pointer that only moves forward) leaves. When
 * a set's clock reaches the end of its window, its times in use are renumbered
 * 0 .. n-1 in order (O(W + win / 64), once per win - W references to the set).
 *
 * The fully associative curve is one group of one set; with S sets a second group
 * gives the set-associative curve, and the 3C split at every associativity comes from
 * the pair of distances of each reference (see count_conflict).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/mrc.h"

#define HASH_MULT       0x9E3779B97F4A7C15ull
#define WIN_FACTOR      4u              /* a set's window of times: 4 x its depth */
#define WIN_MIN         64u
/*
 * Buckets per slot: an eighth full up to 2^16 slots (a 4096-deep stack's table is
 * 256 KiB: at a quarter full a curve at one page size measured 15% slower, at a
 * half much slower), a half above, so that a deep stack's table (16 bytes a slot)
 * stays within what the 16-byte buckets of the first design took.
 */
#define HASH_LOAD_SMALL 8u
#define HASH_LOAD_LARGE 2u
#define HASH_SMALL_SLOTS (1u << 16)
#define FAN_SHIFT       3u              /* the count tree: 8 children a node */
#define FAN             (1u << FAN_SHIFT)
#define MAX_LEVELS      8u              /* 8^7 words > the largest window's */
#define NO_TIME         UINT32_MAX

/* ------------------------------------------------------------------ pages seen */

/*
 * Page numbers in groups of 448 consecutive ones, each group one 64-byte line: its
 * key (group number + 1; 0: an empty line) and a bitmap of 7 words. The lines form
 * an open-addressed hash (linear probing, at most a third full, so a probe nearly
 * always reads one line): the bucket is the bitmap, so a page not seen costs one
 * cache line, found from the page number alone. (The first design, a 64-byte bitmap of 512 pages beside its
 * key, made 72-byte buckets that straddled lines.) The line of the last group added
 * is remembered: traces touch pages in clusters. A page number is below 2^52, so
 * the key never wraps.
 */
#define GROUP_PAGES     448u
#define PAGE_SET_MIN    64u
#define PAGE_SET_LOAD   3u              /* buckets per group, at least */

struct mrc_page_group {
    uint64_t key;
    uint64_t w[GROUP_PAGES / 64];
};

_Static_assert(sizeof(struct mrc_page_group) == 64, "one group, one cache line");

static struct mrc_page_group *groups_new(uint64_t n)
{
    struct mrc_page_group *g = aligned_alloc(sizeof(*g), n * sizeof(*g));

    if (g)
        memset(g, 0, n * sizeof(*g));
    return g;
}

int mrc_pages_init(struct mrc_pages *ps)
{
    *ps = (struct mrc_pages){ .group = groups_new(PAGE_SET_MIN), .mask = PAGE_SET_MIN - 1 };
    return ps->group ? 0 : -ENOMEM;
}

void mrc_pages_free(struct mrc_pages *ps)
{
    free(ps->group);
    ps->group = NULL;
}

static inline uint64_t group_home(uint64_t key, uint64_t mask)
{
    return ((key * HASH_MULT) >> 20) & mask;
}

/* The line of key, or the empty one ending its run. */
static struct mrc_page_group *group_find(struct mrc_page_group *g, uint64_t mask, uint64_t key)
{
    uint64_t i = group_home(key, mask);

    while (g[i].key && g[i].key != key)
        i = (i + 1) & mask;
    return &g[i];
}

static int pages_grow(struct mrc_pages *ps)
{
    uint64_t n = (ps->mask + 1) * 2;
    struct mrc_page_group *g = groups_new(n);

    if (!g)
        return -ENOMEM;
    for (uint64_t k = 0; k <= ps->mask; k++)
        if (ps->group[k].key)
            *group_find(g, n - 1, ps->group[k].key) = ps->group[k];
    free(ps->group);
    ps->group = g;
    ps->mask = n - 1;
    ps->last = NULL;
    return 0;
}

/* The group of key when it is not at its home: further along its run, or new. */
static __attribute__((noinline)) struct mrc_page_group *pages_group(struct mrc_pages *ps,
                                                                    uint64_t key)
{
    struct mrc_page_group *g = group_find(ps->group, ps->mask, key);

    if (!g->key) {
        if ((ps->count + 1) * PAGE_SET_LOAD > ps->mask + 1) {
            if (pages_grow(ps))
                return NULL;
            g = group_find(ps->group, ps->mask, key);
        }
        g->key = key;
        ps->count++;
    }
    return g;
}

int mrc_pages_add(struct mrc_pages *ps, uint64_t page)
{
    uint64_t key = page / GROUP_PAGES + 1, bit = page % GROUP_PAGES, *w;
    struct mrc_page_group *g = ps->last;

    if (!g || g->key != key) {
        g = &ps->group[group_home(key, ps->mask)];
        if (g->key != key && !(g = pages_group(ps, key)))
            return -ENOMEM;
        ps->last = g;
    }
    w = &g->w[bit / 64];
    if (*w & (1ull << (bit % 64)))
        return 0;
    *w |= 1ull << (bit % 64);
    return 1;
}

/* ------------------------------------------------------------------ stacks */

/*
 * A bucket of the page hash: a check word from the page's hash (its top 32 bits,
 * bit 0 forced to 1; 0: an empty bucket) and the slot holding the page, whose
 * record has the page number to confirm a match. Eight bytes, so the table of a
 * 4096-deep stack is 128 KiB rather than 256. The bucket index is the hash's top
 * bits too, so a bucket's home is its check word shifted (buckets <= 2^31).
 */
struct bucket {
    uint32_t check;
    uint32_t slot;
};

/* A page held: its number, the time of its last reference, the bucket naming it. */
struct slot_rec {
    uint64_t page;
    uint32_t time;
    uint32_t where;
};

struct set_clock {
    uint32_t now;           /* next time to give */
    uint32_t old;           /* no time in use below word old of the bitmap */
    uint32_t n;             /* pages held */
};

/*
 * Times in use of a set: a bitmap of its window (bit t: time t in use), and a tree
 * of counts over it with 8 children a node: level 0 counts the bits of each word,
 * level l + 1 sums 8 counts of level l, up to a level of at most 8 counts. A change
 * of one time adds to one count a level (3 for a window of 4 x 4096 times, 256
 * words); the times after t are the bits after t in its word plus, level by level,
 * the counts after t's node among its 7 siblings, stopping at the level whose node
 * holds the newest time, so a short distance reads a few counts of level 0. (A
 * Fenwick tree over the words, the first design, cost 8 steps an update, two
 * updates a reference: half the instructions of a curve at three page sizes.)
 */
struct stacks {
    unsigned sets, ways, win, words;
    unsigned levels, cnt_len;       /* count tree: levels, counts a set */
    size_t off[MAX_LEVELS];         /* the first count of each level (size_t: no alias of
                                       the counts, so loops keep them in registers) */
    uint64_t *bits;         /* sets x words */
    uint32_t *cnt;          /* sets x cnt_len: the count tree */
    uint32_t *owner;        /* sets x win: slot + 1 of the page last referenced then */
    struct set_clock *clk;  /* sets */
    struct slot_rec *slot;  /* sets x ways */
    struct bucket *hash;
    uint64_t hmask;
    unsigned hshift;
    uint64_t *hist[2];      /* ways + 1: references by distance, [ways] beyond (or cold) */
    uint64_t *cum[2];       /* ways + 1: cum[op][w] = hits of a w-way set */
};

static int stacks_init(struct stacks *g, unsigned sets, unsigned ways)
{
    uint64_t slots = (uint64_t)sets * ways;
    uint64_t buckets = 2;
    unsigned bits = 1;

    memset(g, 0, sizeof(*g));
    g->sets = sets;
    g->ways = ways;
    g->win = ways * WIN_FACTOR < WIN_MIN ? WIN_MIN : ways * WIN_FACTOR;
    g->win = (g->win + 63) & ~63u;
    g->words = g->win / 64;
    while (buckets < slots * (slots <= HASH_SMALL_SLOTS ? HASH_LOAD_SMALL : HASH_LOAD_LARGE)) {
        buckets <<= 1;
        bits++;
    }
    g->hmask = buckets - 1;
    g->hshift = 64 - bits;
    g->bits = calloc((size_t)sets * g->words, sizeof(*g->bits));
    for (unsigned n = g->words;; n = (n + FAN - 1) / FAN) {
        g->off[g->levels++] = g->cnt_len;
        g->cnt_len += n;
        if (n <= FAN)
            break;
    }
    g->cnt = calloc((size_t)sets * g->cnt_len, sizeof(*g->cnt));
    g->owner = calloc((size_t)sets * g->win, sizeof(*g->owner));
    g->clk = calloc(sets, sizeof(*g->clk));
    g->slot = calloc(slots, sizeof(*g->slot));
    g->hash = calloc(buckets, sizeof(*g->hash));
    for (unsigned op = 0; op < 2; op++) {
        g->hist[op] = calloc((size_t)ways + 1, sizeof(*g->hist[op]));
        g->cum[op] = calloc((size_t)ways + 1, sizeof(*g->cum[op]));
    }
    if (!g->bits || !g->cnt || !g->owner || !g->clk || !g->slot || !g->hash ||
        !g->hist[0] || !g->hist[1] || !g->cum[0] || !g->cum[1])
        return -ENOMEM;
    return 0;
}

static void stacks_free(struct stacks *g)
{
    free(g->bits);
    free(g->cnt);
    free(g->owner);
    free(g->clk);
    free(g->slot);
    free(g->hash);
    for (unsigned op = 0; op < 2; op++) {
        free(g->hist[op]);
        free(g->cum[op]);
    }
}

static inline uint64_t page_hash(uint64_t vpn)
{
    return vpn * HASH_MULT;
}

static inline uint32_t hash_check(uint64_t h)
{
    return (uint32_t)(h >> 32) | 1u;
}

/*
 * The bucket holding vpn, or the empty bucket ending its probe run (*found says
 * which).
 */
static inline uint64_t hash_find(const struct stacks *g, uint64_t vpn, uint32_t check,
                                 uint64_t i, bool *found)
{
    for (;; i = (i + 1) & g->hmask) {
        struct bucket b = g->hash[i];

        if (b.check == check && g->slot[b.slot].page == vpn) {
            *found = true;
            return i;
        }
        if (!b.check) {
            *found = false;
            return i;
        }
    }
}

/*
 * Removes bucket i, shifting later buckets of its probe run back (no tombstones);
 * the records of the slots moved follow.
 */
static void hash_remove(struct stacks *g, uint64_t i)
{
    uint64_t j = i;

    for (;;) {
        j = (j + 1) & g->hmask;
        struct bucket b = g->hash[j];
        if (!b.check)
            break;
        uint64_t home = b.check >> (g->hshift - 32);
        /* j's entry may move to i when its home is not cyclically in (i, j]. */
        if (((j - home) & g->hmask) >= ((j - i) & g->hmask)) {
            g->hash[i] = b;
            g->slot[b.slot].where = (uint32_t)i;
            i = j;
        }
    }
    g->hash[i] = (struct bucket){ 0 };
}

/* Adds v to the counts of word w's node at every level. */
static inline void cnt_add(const struct stacks *g, uint32_t *cnt, uint32_t w, uint32_t v)
{
    const size_t *off = g->off, *end = off + g->levels;

    for (; off < end; off++, w >>= FAN_SHIFT)
        cnt[*off + w] += v;
}

/*
 * Moves a time in use from word wo to word wn in the counts. Nodes are nested, so
 * from the first level where both words share a node the counts stay as they were:
 * a reference at a short distance changes only a count or two of level 0.
 */
static inline void cnt_move(const struct stacks *g, uint32_t *cnt, uint32_t wo, uint32_t wn)
{
    const size_t *off = g->off, *end = off + g->levels;

    for (; wo != wn; wo >>= FAN_SHIFT, wn >>= FAN_SHIFT) {
        cnt[*off + wo]--;
        cnt[*off + wn]++;
        if (++off == end)
            break;
    }
}

/* Bits set in x (SWAR: the build targets no particular CPU, so no popcnt instruction). */
static inline uint32_t popcount64(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/*
 * Times in use after t, the last given being now - 1: the bits after t in its word,
 * then at each level the counts of the siblings after t's node, up to the node of
 * the newest time (nothing later is in use); the level where both share a parent
 * is the last one read.
 */
static inline uint32_t times_after(const struct stacks *g, const uint64_t *bits,
                                   const uint32_t *cnt, uint32_t now, uint32_t t)
{
    uint32_t w = t / 64, last = (now - 1) / 64;
    uint32_t d = popcount64(bits[w] & ~((2ull << (t % 64)) - 1));  /* bits t+1 .. 63 */

    for (unsigned l = 0; w != last; l++) {
        const uint32_t *c = cnt + g->off[l];
        uint32_t end = w | (FAN - 1);

        if (last <= end) {
            for (uint32_t k = w + 1; k <= last; k++)
                d += c[k];
            break;
        }
        for (uint32_t k = w + 1; k <= end; k++)
            d += c[k];
        w >>= FAN_SHIFT;
        last >>= FAN_SHIFT;
    }
    return d;
}

/* Renumbers the times in use of set s to 0 .. n-1, keeping their order. */
static void compact(struct stacks *g, unsigned s)
{
    uint32_t *owner = g->owner + (size_t)s * g->win, *cnt = g->cnt + (size_t)s * g->cnt_len;
    uint64_t *bits = g->bits + (size_t)s * g->words;
    struct set_clock *c = &g->clk[s];
    uint32_t k = 0;

    /* The times in use are the bits set: owner[] of a time no longer in use is stale. */
    for (uint32_t w = c->old; w * 64 < c->now; w++)
        for (uint64_t x = bits[w]; x; x &= x - 1) {
            uint32_t o = owner[w * 64 + (uint32_t)__builtin_ctzll(x)];
            owner[k] = o;
            g->slot[o - 1].time = k++;
        }
    /* Times 0 .. k-1 in use: full words, then a partial one. */
    for (uint32_t w = 0; w < g->words; w++)
        bits[w] = k >= (w + 1) * 64 ? ~0ull : k > w * 64 ? (1ull << (k - w * 64)) - 1 : 0;
    /* Node i of level l covers words [i 8^l, (i + 1) 8^l), times [i 64 8^l, ...). */
    for (unsigned l = 0; l < g->levels; l++) {
        uint32_t n = (l + 1 < g->levels ? g->off[l + 1] : g->cnt_len) - g->off[l];
        for (uint32_t i = 0; i < n; i++) {
            uint64_t lo = (uint64_t)i * 64 << (FAN_SHIFT * l), hi = lo + (64ull << (FAN_SHIFT * l));
            cnt[g->off[l] + i] = (uint32_t)((hi < k ? hi : k) - (lo < k ? lo : k));
        }
    }
    c->now = k;
    c->old = 0;
}

/*
 * After an eviction from a full set: the next victim is the page of the oldest time
 * still in use (unless it is referenced first), so its record and bucket are
 * fetched now. A run of references beyond the depth then finds each victim's
 * bucket in the cache instead of waiting for owner, record and bucket in turn.
 * Always inlined: GCC drops calls of a function of nothing but prefetches.
 */
static inline __attribute__((always_inline)) void
prefetch_victim(const struct stacks *g, const uint32_t *owner, const uint64_t *bits, uint32_t w)
{
    const uint32_t last = g->words - 1;

    while (w < last && !bits[w])
        w++;
    if (bits[w]) {
        const struct slot_rec *r = &g->slot[owner[w * 64 + (uint32_t)__builtin_ctzll(bits[w])] - 1];
        __builtin_prefetch(&g->hash[r->where]);
    }
}

/*
 * The distance of a reference to vpn in its set (g->ways: beyond), the stack
 * updated; one_set: the group has one set (a constant where inlined).
 */
static inline __attribute__((always_inline)) unsigned
stacks_access_in(struct stacks *g, uint64_t vpn, bool one_set)
{
    const unsigned s = one_set ? 0 : (unsigned)(vpn & (g->sets - 1));
    uint32_t *owner = g->owner + (size_t)s * g->win, *cnt = g->cnt + (size_t)s * g->cnt_len;
    uint64_t *bits = g->bits + (size_t)s * g->words;
    struct set_clock *c = &g->clk[s];
    const uint64_t h = page_hash(vpn);
    const uint32_t check = hash_check(h);
    bool found;
    uint64_t b = hash_find(g, vpn, check, h >> g->hshift, &found);
    uint32_t slot, t, w, old = NO_TIME;
    unsigned d;

    if (found) {
        slot = g->hash[b].slot;
        old = g->slot[slot].time;
        d = times_after(g, bits, cnt, c->now, old);
    } else {
        d = g->ways;
        if (c->n < g->ways) {
            slot = s * g->ways + c->n++;
            g->hash[b] = (struct bucket){ .check = check, .slot = slot };
            g->slot[slot].where = (uint32_t)b;
        } else {
            for (w = c->old; !bits[w]; w++)
                ;
            c->old = w;
            old = w * 64 + (uint32_t)__builtin_ctzll(bits[w]);
            slot = owner[old] - 1;
            /*
             * The new page's bucket goes in before the victim's comes out, so the
             * backward shift of the removal keeps both probe runs whole and the
             * empty bucket the search ended at is still the one to fill.
             */
            uint32_t hole = g->slot[slot].where;
            g->hash[b] = (struct bucket){ .check = check, .slot = slot };
            g->slot[slot].where = (uint32_t)b;
            hash_remove(g, hole);
        }
        g->slot[slot].page = vpn;
    }
    if (old != NO_TIME)
        bits[old / 64] &= ~(1ull << (old % 64));
    if (c->now == g->win) {
        compact(g, s);          /* counts rebuilt from the bits: old is gone from them */
        old = NO_TIME;
    }
    t = c->now++;
    owner[t] = slot + 1;
    g->slot[slot].time = t;
    bits[t / 64] |= 1ull << (t % 64);
    if (old != NO_TIME) {
        cnt_move(g, cnt, old / 64, t / 64);
        if (!found)
            prefetch_victim(g, owner, bits, c->old);
    } else {
        cnt_add(g, cnt, t / 64, 1);
    }
    return d;
}

/*
 * The fully associative group, one set, inlined into mrc_access with its set's
 * arrays at offset 0; the set-associative group out of line.
 */
static unsigned stacks_access_sa(struct stacks *g, uint64_t vpn)
{
    return stacks_access_in(g, vpn, false);
}

static void stacks_sum(struct stacks *g)
{
    for (unsigned op = 0; op < 2; op++) {
        g->cum[op][0] = 0;
        for (unsigned w = 1; w <= g->ways; w++)
            g->cum[op][w] = g->cum[op][w - 1] + g->hist[op][w - 1];
    }
}

/* ------------------------------------------------------------------ the curve */

struct mrc {
    struct mrc_config cfg;
    struct stacks fa;           /* one set, depth entries */
    struct stacks sa;           /* cfg.sets sets of entries / sets ways (sets > 1) */
    int64_t *conflict;          /* sa.ways + 2: difference array over ways */
    struct mrc_pages seen;
    uint64_t refs[2], cold;
    uint64_t last;              /* page of the last reference, or NO_PAGE */
    bool summed;
};

#define NO_PAGE UINT64_MAX      /* no page number (they are below 2^52) */

int mrc_config_check(const struct mrc_config *cfg, char *err, unsigned errlen)
{
    char buf[1];

    if (!err || !errlen) {
        err = buf;
        errlen = sizeof(buf);
    }
    if (cfg->entries < 1 || cfg->entries > MRC_MAX_ENTRIES)
        snprintf(err, errlen, "mrc entries = %u: must be 1 .. %u", cfg->entries,
                 MRC_MAX_ENTRIES);
    else if (cfg->sets < 1 || (cfg->sets & (cfg->sets - 1)))
        snprintf(err, errlen, "mrc sets = %u: must be a power of two (1, 2, 4, ...)",
                 cfg->sets);
    else if (cfg->entries % cfg->sets)
        snprintf(err, errlen, "mrc sets = %u: must divide the entries (%u)", cfg->sets,
                 cfg->entries);
    else
        return 0;
    return -EINVAL;
}

struct mrc *mrc_new(const struct mrc_config *cfg)
{
    struct mrc *m;

    if (mrc_config_check(cfg, NULL, 0) || !(m = calloc(1, sizeof(*m))))
        return NULL;
    m->cfg = *cfg;
    m->last = NO_PAGE;
    if (stacks_init(&m->fa, 1, cfg->entries) || mrc_pages_init(&m->seen))
        goto fail;
    if (cfg->sets > 1 && (stacks_init(&m->sa, cfg->sets, cfg->entries / cfg->sets) ||
                          !(m->conflict = calloc(m->sa.ways + 2u, sizeof(*m->conflict)))))
        goto fail;
    return m;
fail:
    mrc_free(m);
    return NULL;
}

void mrc_free(struct mrc *m)
{
    if (!m)
        return;
    stacks_free(&m->fa);
    stacks_free(&m->sa);
    free(m->conflict);
    mrc_pages_free(&m->seen);
    free(m);
}

/*
 * A reference at fully associative distance df and set distance ds is a conflict
 * miss of the W-way TLB (S x W entries) when it misses the set (ds >= W) but the
 * fully associative TLB of S x W entries hits (df < S x W, i.e. W > df / S): for
 * every W in (df / S, ds]. One range per reference, kept as a difference array.
 */
static void count_conflict(struct mrc *m, unsigned df, unsigned ds)
{
    const unsigned ways = m->sa.ways;
    unsigned lo = df >= m->fa.ways ? ways + 1 : df / m->cfg.sets + 1;
    unsigned hi = ds >= ways ? ways : ds;

    if (lo <= hi) {
        m->conflict[lo]++;
        m->conflict[hi + 1]--;
    }
}

int mrc_access(struct mrc *m, uint64_t vpn, unsigned op, unsigned *dist)
{
    unsigned df, ds;
    int fresh = 0;

    op &= 1;
    m->summed = false;
    m->refs[op]++;
    if (vpn == m->last) {
        m->fa.hist[op][0]++;
        if (m->cfg.sets > 1)
            m->sa.hist[op][0]++;
        if (dist)
            *dist = 0;
        return 0;
    }
    m->last = vpn;
    df = stacks_access_in(&m->fa, vpn, true);
    if (df == m->fa.ways) {
        if ((fresh = mrc_pages_add(&m->seen, vpn)) < 0) {
            m->refs[op]--;
            return fresh;
        }
        m->cold += (unsigned)fresh;
    }
    m->fa.hist[op][df]++;
    if (m->cfg.sets > 1) {
        ds = stacks_access_sa(&m->sa, vpn);
        m->sa.hist[op][ds]++;
        count_conflict(m, df, ds);
    }
    if (dist)
        *dist = df < m->fa.ways ? df : fresh ? MRC_COLD : MRC_BEYOND;
    return 0;
}

void mrc_prefetch(const struct mrc *m, uint64_t vpn)
{
    uint64_t h = page_hash(vpn);

    __builtin_prefetch(&m->fa.hash[h >> m->fa.hshift]);
    if (m->cfg.sets > 1)
        __builtin_prefetch(&m->sa.hash[h >> m->sa.hshift]);
}

static void mrc_sum(struct mrc *m)
{
    if (m->summed)
        return;
    stacks_sum(&m->fa);
    if (m->cfg.sets > 1)
        stacks_sum(&m->sa);
    m->summed = true;
}

uint64_t mrc_fa_misses(struct mrc *m, unsigned entries)
{
    if (entries > m->cfg.entries)
        return UINT64_MAX;
    mrc_sum(m);
    return m->refs[0] + m->refs[1] - m->fa.cum[0][entries] - m->fa.cum[1][entries];
}

int mrc_counts(struct mrc *m, unsigned entries, struct mrc_counts *out)
{
    const struct stacks *g = m->cfg.sets > 1 ? &m->sa : &m->fa;
    unsigned w;

    if (!entries || entries > m->cfg.entries || entries % m->cfg.sets)
        return -EINVAL;
    mrc_sum(m);
    w = entries / m->cfg.sets;
    *out = (struct mrc_counts){ .compulsory = m->cold };
    for (unsigned op = 0; op < 2; op++) {
        out->refs_by_op[op] = m->refs[op];
        out->misses_by_op[op] = m->refs[op] - g->cum[op][w];
    }
    out->references = m->refs[0] + m->refs[1];
    out->misses = out->misses_by_op[0] + out->misses_by_op[1];
    out->hits = out->references - out->misses;
    if (m->cfg.sets > 1) {
        int64_t c = 0;
        for (unsigned k = 1; k <= w; k++)
            c += m->conflict[k];
        out->conflict = (uint64_t)c;
    }
    out->capacity = out->misses - out->compulsory - out->conflict;
    return 0;
}
