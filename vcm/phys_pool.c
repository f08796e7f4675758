/*
 * phys_pool.c - a VCM memory target: physical block pools and a contiguous pool.
 *
 * The rules (layout, greedy-then-tail block allocation, contiguous first/best fit,
 * seeded fragmentation) are in phys_pool.h and docs/allocators.md. Each block
 * pool is two bitmaps, one for blocks held by live allocations and one for blocks
 * taken by fragmentation, so a fragmented block can be told apart from a block
 * that was ours and is being freed twice. The contiguous pool is a pair of sorted
 * arrays (free ranges, live ranges), like the IOVA allocator, at a 1 KiB granule.
 * Live allocation objects are kept in an array sorted by address so that phys_free
 * can refuse a pointer it did not hand out without reading through it.
 */
#include "vcm/phys_pool.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"
#include "vcm/iova.h"

#define SZ_4K  (1ull << 12)
#define SZ_64K (1ull << 16)
#define SZ_1M  (1ull << 20)
#define PA_SPACE_END (1ull << 32)
#define PHYS_MAX_ALIGN (1ull << 31)
/* The largest PHYS_CONT length whose 4 KiB round-up still fits a 32-bit block size. */
#define PHYS_CONT_MAX_LEN 0xfffff000ull
/* A share or fraction product this close to a whole number counts as that number. */
#define COUNT_EPS 1e-9

#define BITS_PER_WORD 64

struct block_pool {
    uint32_t shift;             /* log2 of the block size */
    uint64_t base;
    uint32_t n;                 /* blocks */
    uint64_t *used;             /* bit set: held by a live allocation */
    uint64_t *frag;             /* bit set: taken by fragmentation */
    uint32_t nused, nfrag;
    uint32_t hint;              /* no free block in the words below this one */
    uint64_t blocks_allocated, blocks_freed, fallbacks, failures;
};

struct cont_range {
    uint64_t start, end;        /* [start, end) */
    int owned;                  /* live range belonging to a phys_alloc object */
};

struct cont_pool {
    uint64_t base, end;
    enum phys_cont_policy policy;
    struct cont_range *free;
    uint32_t nfree, cap_free;
    struct cont_range *live;
    uint32_t nlive, cap_live;
    uint64_t allocs, frees, failures;
};

struct phys_target {
    struct phys_target_cfg cfg;
    struct block_pool pool[PHYS_NPOOLS];
    struct cont_pool cont;
    struct phys_alloc **objs;   /* live objects, sorted by address */
    uint32_t nobjs, cap_objs;
    uint64_t allocs, failures, frees;
};

static const char *const pool_name[PHYS_NPOOLS] = { "4K", "64K", "1M", "16M" };

static uint32_t pool_shift(int id)
{
    static const uint32_t shift[PHYS_NPOOLS] = {
        PHYS_SZ_4K_SHIFT, PHYS_SZ_64K_SHIFT, PHYS_SZ_1M_SHIFT, PHYS_SZ_16M_SHIFT,
    };
    return shift[id];
}

uint32_t phys_pool_block_size(enum phys_pool_id id)
{
    if ((int)id < 0 || id >= PHYS_NPOOLS)
        return 0;
    return 1u << pool_shift(id);
}

uint64_t phys_default_align(uint64_t len)
{
    return iova_default_align(len);     /* one alignment rule for IOVA and PA */
}

/* ------------------------------------------------------------------ config */

void phys_target_cfg_default(struct phys_target_cfg *cfg, uint64_t base, uint64_t size)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->base = base;
    cfg->size = size;
    cfg->share[PHYS_POOL_16M] = 0.5;
    cfg->share[PHYS_POOL_1M] = 0.25;
    cfg->share[PHYS_POOL_64K] = 0.125;
    cfg->share[PHYS_POOL_4K] = 0.125;
    cfg->cont_policy = PHYS_CONT_FIRST_FIT;
}

/* floor(x), except that x within COUNT_EPS below a whole number gives that number. */
static uint64_t floor_count(double x)
{
    return (uint64_t)(x + COUNT_EPS);   /* x >= 0: truncation is floor */
}

static uint64_t pool_blocks(const struct phys_target_cfg *cfg, int id)
{
    return floor_count(cfg->share[id] * (double)cfg->size / (double)(1ull << pool_shift(id)));
}

int phys_target_cfg_check(const struct phys_target_cfg *cfg, char *err, size_t errlen)
{
    double sum = 0;
    uint64_t need_align = 0;
    int id;

    if (!cfg) {
        err_set(err, errlen, "phys target: no configuration given");
        return -EINVAL;
    }
    if (cfg->base >= PA_SPACE_END || cfg->size > PA_SPACE_END - cfg->base) {
        err_set(err, errlen,
                "phys target base 0x%" PRIx64 " size 0x%" PRIx64
                ": base + size must be <= 0x100000000", cfg->base, cfg->size);
        return -EINVAL;
    }
    if ((cfg->base | cfg->size) & (SZ_4K - 1)) {
        err_set(err, errlen,
                "phys target base 0x%" PRIx64 " size 0x%" PRIx64
                ": both must be multiples of 4 KiB", cfg->base, cfg->size);
        return -EINVAL;
    }
    for (id = 0; id < PHYS_NPOOLS; id++) {
        if (!(cfg->share[id] >= 0.0 && cfg->share[id] <= 1.0)) {
            err_set(err, errlen, "phys target share[%s] = %g: must be in [0, 1]",
                    pool_name[id], cfg->share[id]);
            return -EINVAL;
        }
        sum += cfg->share[id];
        if (pool_blocks(cfg, id))
            need_align = 1ull << pool_shift(id);
    }
    if (sum > 1.0 + COUNT_EPS) {
        err_set(err, errlen,
                "phys target shares 16M %g + 1M %g + 64K %g + 4K %g = %g: must sum to <= 1",
                cfg->share[PHYS_POOL_16M], cfg->share[PHYS_POOL_1M],
                cfg->share[PHYS_POOL_64K], cfg->share[PHYS_POOL_4K], sum);
        return -EINVAL;
    }
    if (need_align && (cfg->base & (need_align - 1))) {
        err_set(err, errlen,
                "phys target base 0x%" PRIx64 ": must be aligned to 0x%" PRIx64
                ", the largest block size with blocks", cfg->base, need_align);
        return -EINVAL;
    }
    if (cfg->cont_base >= PA_SPACE_END || cfg->cont_size > PA_SPACE_END - cfg->cont_base) {
        err_set(err, errlen,
                "phys target cont_base 0x%" PRIx64 " cont_size 0x%" PRIx64
                ": cont_base + cont_size must be <= 0x100000000", cfg->cont_base,
                cfg->cont_size);
        return -EINVAL;
    }
    if ((cfg->cont_base | cfg->cont_size) & (PHYS_CONT_GRANULE - 1)) {
        err_set(err, errlen,
                "phys target cont_base 0x%" PRIx64 " cont_size 0x%" PRIx64
                ": both must be multiples of 1 KiB", cfg->cont_base, cfg->cont_size);
        return -EINVAL;
    }
    if (cfg->size && cfg->cont_size && cfg->cont_base < cfg->base + cfg->size &&
        cfg->base < cfg->cont_base + cfg->cont_size) {
        err_set(err, errlen,
                "phys target contiguous region [0x%" PRIx64 ", 0x%" PRIx64
                ") overlaps the block region [0x%" PRIx64 ", 0x%" PRIx64 ")",
                cfg->cont_base, cfg->cont_base + cfg->cont_size, cfg->base,
                cfg->base + cfg->size);
        return -EINVAL;
    }
    if (cfg->cont_policy != PHYS_CONT_FIRST_FIT && cfg->cont_policy != PHYS_CONT_BEST_FIT) {
        err_set(err, errlen,
                "phys target cont_policy %d: must be first-fit (0) or best-fit (1)",
                (int)cfg->cont_policy);
        return -EINVAL;
    }
    if (!(cfg->frag >= 0.0 && cfg->frag < 1.0)) {
        err_set(err, errlen, "phys target frag = %g: must be in [0, 1)", cfg->frag);
        return -EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------ block pools */

static bool bit_test(const uint64_t *map, uint32_t i)
{
    return (map[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1;
}

static void bit_set(uint64_t *map, uint32_t i)
{
    map[i / BITS_PER_WORD] |= 1ull << (i % BITS_PER_WORD);
}

static void bit_clear(uint64_t *map, uint32_t i)
{
    map[i / BITS_PER_WORD] &= ~(1ull << (i % BITS_PER_WORD));
}

static uint32_t pool_words(const struct block_pool *p)
{
    return (p->n + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

static uint32_t pool_free(const struct block_pool *p)
{
    return p->n - p->nused - p->nfrag;
}

/* Take the lowest free block; the caller knows there is one. */
static uint32_t pool_take(struct block_pool *p)
{
    uint32_t w, nw = pool_words(p);

    for (w = p->hint; w < nw; w++) {
        uint64_t freebits = ~(p->used[w] | p->frag[w]);
        uint32_t i;

        if (w == nw - 1 && p->n % BITS_PER_WORD)
            freebits &= (1ull << (p->n % BITS_PER_WORD)) - 1;
        if (!freebits)
            continue;
        i = w * BITS_PER_WORD + (uint32_t)__builtin_ctzll(freebits);
        bit_set(p->used, i);
        p->nused++;
        p->hint = w;
        return i;
    }
    return UINT32_MAX;  /* unreachable when pool_free(p) > 0 */
}

static void pool_put(struct block_pool *p, uint32_t i)
{
    bit_clear(p->used, i);
    p->nused--;
    if (i / BITS_PER_WORD < p->hint)
        p->hint = i / BITS_PER_WORD;
}

/* Pool index holding block address pa of size `size`, or -1 if it is not a block of ours. */
static int block_index(const struct block_pool *p, uint64_t pa, uint64_t size, uint32_t *idx)
{
    uint64_t off;

    if (size != (1ull << p->shift) || pa < p->base)
        return -1;
    off = pa - p->base;
    if (off & (size - 1) || (off >> p->shift) >= p->n)
        return -1;
    *idx = (uint32_t)(off >> p->shift);
    return 0;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/*
 * Mark floor(frag * n) blocks taken: a partial Fisher-Yates shuffle of the block
 * indices picks them uniformly. Each pool draws from its own stream so that
 * resizing one pool leaves the others' patterns alone.
 */
static int pool_fragment(struct block_pool *p, int id, double frac, uint64_t seed)
{
    uint64_t k = floor_count(frac * (double)p->n);
    uint64_t state = seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(id + 1));
    uint32_t *idx, i;

    if (k > p->n)
        k = p->n;
    if (k == 0)
        return 0;
    idx = malloc((size_t)p->n * sizeof(*idx));
    if (!idx)
        return -ENOMEM;
    for (i = 0; i < p->n; i++)
        idx[i] = i;
    for (i = 0; i < k; i++) {
        uint32_t j = i + (uint32_t)(splitmix64(&state) % (p->n - i));
        uint32_t t = idx[i];

        idx[i] = idx[j];
        idx[j] = t;
        bit_set(p->frag, idx[i]);
    }
    p->nfrag = (uint32_t)k;
    free(idx);
    return 0;
}

/* ------------------------------------------------------------ contiguous pool */

static bool range_insert(struct cont_range **arr, uint32_t *n, uint32_t *cap, uint32_t i,
                         uint64_t start, uint64_t end, int owned)
{
    if (!array_grow((void **)arr, *n, cap, sizeof(**arr)))
        return false;
    memmove(&(*arr)[i + 1], &(*arr)[i], (size_t)(*n - i) * sizeof(**arr));
    (*arr)[i].start = start;
    (*arr)[i].end = end;
    (*arr)[i].owned = owned;
    (*n)++;
    return true;
}

static void range_remove(struct cont_range *arr, uint32_t *n, uint32_t i)
{
    memmove(&arr[i], &arr[i + 1], (size_t)(*n - i - 1) * sizeof(*arr));
    (*n)--;
}

/* First index whose start is >= a. */
static uint32_t range_lower_bound(const struct cont_range *arr, uint32_t n, uint64_t a)
{
    uint32_t lo = 0, hi = n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (arr[mid].start >= a)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Free range chosen by the pool's policy for `len` at `align`, or -1. */
static int64_t cont_choose(const struct cont_pool *c, uint64_t len, uint64_t align,
                           uint64_t *at)
{
    int64_t best = -1;
    uint64_t best_size = 0, best_at = 0;
    uint32_t i;

    for (i = 0; i < c->nfree; i++) {
        uint64_t a = align_up(c->free[i].start, align);
        uint64_t size = c->free[i].end - c->free[i].start;

        if (a >= c->free[i].end || len > c->free[i].end - a)
            continue;
        if (c->policy == PHYS_CONT_FIRST_FIT) {
            *at = a;
            return i;
        }
        if (best < 0 || size < best_size) {
            best = i;
            best_size = size;
            best_at = a;
        }
    }
    *at = best_at;
    return best;
}

static uint64_t cont_largest_free(const struct cont_pool *c)
{
    uint64_t best = 0;
    uint32_t i;

    for (i = 0; i < c->nfree; i++)
        if (c->free[i].end - c->free[i].start > best)
            best = c->free[i].end - c->free[i].start;
    return best;
}

static uint64_t cont_free_bytes(const struct cont_pool *c)
{
    uint64_t sum = 0;
    uint32_t i;

    for (i = 0; i < c->nfree; i++)
        sum += c->free[i].end - c->free[i].start;
    return sum;
}

/*
 * Take `len` bytes (already rounded) at `align` from the contiguous pool. Every
 * array is grown before anything changes, so -ENOMEM leaves the pool as it was.
 */
static int cont_take(struct cont_pool *c, uint64_t len, uint64_t align, int owned,
                     uint64_t *pa)
{
    struct cont_range r;
    uint64_t a;
    int64_t i;
    uint32_t li;

    i = cont_choose(c, len, align, &a);
    if (i < 0) {
        c->failures++;
        return -ENOMEM;
    }
    if (!array_grow((void **)&c->free, c->nfree, &c->cap_free, sizeof(*c->free)) ||
        !array_grow((void **)&c->live, c->nlive, &c->cap_live, sizeof(*c->live)))
        return -ENOMEM;
    r = c->free[i];
    if (r.start == a && r.end == a + len) {
        range_remove(c->free, &c->nfree, (uint32_t)i);
    } else if (r.start == a) {
        c->free[i].start = a + len;
    } else if (r.end == a + len) {
        c->free[i].end = a;
    } else {
        range_insert(&c->free, &c->nfree, &c->cap_free, (uint32_t)i + 1, a + len, r.end, 0);
        c->free[i].end = a;
    }
    li = range_lower_bound(c->live, c->nlive, a);
    range_insert(&c->live, &c->nlive, &c->cap_live, li, a, a + len, owned);
    c->allocs++;
    *pa = a;
    return 0;
}

/* Index of the live range starting at pa, or -1. */
static int64_t cont_find_live(const struct cont_pool *c, uint64_t pa)
{
    uint32_t i = range_lower_bound(c->live, c->nlive, pa);

    if (i < c->nlive && c->live[i].start == pa)
        return i;
    return -1;
}

/* Give live range i back, merging with its free neighbours. */
static int cont_put(struct cont_pool *c, uint32_t li)
{
    uint64_t a = c->live[li].start, b = c->live[li].end;
    uint32_t i;
    bool join_prev, join_next;

    if (!array_grow((void **)&c->free, c->nfree, &c->cap_free, sizeof(*c->free)))
        return -ENOMEM;
    i = range_lower_bound(c->free, c->nfree, b);
    join_prev = i > 0 && c->free[i - 1].end == a;
    join_next = i < c->nfree && c->free[i].start == b;
    if (join_prev && join_next) {
        c->free[i - 1].end = c->free[i].end;
        range_remove(c->free, &c->nfree, i);
    } else if (join_prev) {
        c->free[i - 1].end = b;
    } else if (join_next) {
        c->free[i].start = a;
    } else {
        range_insert(&c->free, &c->nfree, &c->cap_free, i, a, b, 0);
    }
    range_remove(c->live, &c->nlive, li);
    c->frees++;
    return 0;
}

/* ------------------------------------------------------------ target */

struct phys_target *phys_target_create(const struct phys_target_cfg *cfg, char *err,
                                       size_t errlen)
{
    struct phys_target *t;
    uint64_t cursor;
    int id;

    if (phys_target_cfg_check(cfg, err, errlen))
        return NULL;
    t = calloc(1, sizeof(*t));
    if (!t)
        goto nomem;
    t->cfg = *cfg;

    /* Largest blocks first from base: each pool then starts aligned to its block size. */
    cursor = cfg->base;
    for (id = PHYS_NPOOLS - 1; id >= 0; id--) {
        struct block_pool *p = &t->pool[id];
        uint32_t nw;

        p->shift = pool_shift(id);
        p->n = (uint32_t)pool_blocks(cfg, id);
        p->base = p->n ? align_up(cursor, 1ull << p->shift) : cursor;
        cursor = p->base + ((uint64_t)p->n << p->shift);
        nw = pool_words(p);
        p->used = calloc(nw ? nw : 1, sizeof(uint64_t));
        p->frag = calloc(nw ? nw : 1, sizeof(uint64_t));
        if (!p->used || !p->frag)
            goto nomem_t;
        if (pool_fragment(p, id, cfg->frag, cfg->frag_seed))
            goto nomem_t;
    }

    t->cont.base = cfg->cont_base;
    t->cont.end = cfg->cont_base + cfg->cont_size;
    t->cont.policy = cfg->cont_policy;
    if (cfg->cont_size &&
        !range_insert(&t->cont.free, &t->cont.nfree, &t->cont.cap_free, 0, t->cont.base,
                      t->cont.end, 0))
        goto nomem_t;
    return t;

nomem_t:
    phys_target_destroy(t);
nomem:
    err_set(err, errlen, "phys target: out of host memory");
    return NULL;
}

void phys_target_destroy(struct phys_target *t)
{
    uint32_t i;
    int id;

    if (!t)
        return;
    for (i = 0; i < t->nobjs; i++) {
        free(t->objs[i]->blocks);
        free(t->objs[i]);
    }
    free(t->objs);
    for (id = 0; id < PHYS_NPOOLS; id++) {
        free(t->pool[id].used);
        free(t->pool[id].frag);
    }
    free(t->cont.free);
    free(t->cont.live);
    free(t);
}

/* Position of `a` in the sorted object array (where it is or would go). */
static uint32_t obj_lower_bound(const struct phys_target *t, const struct phys_alloc *a)
{
    uint32_t lo = 0, hi = t->nobjs;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if ((uintptr_t)t->objs[mid] >= (uintptr_t)a)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Allocation object with room for n blocks, registered; NULL when out of memory. */
static struct phys_alloc *obj_new(struct phys_target *t, uint32_t nblocks)
{
    struct phys_alloc *a;
    uint32_t i;

    if (!array_grow((void **)&t->objs, t->nobjs, &t->cap_objs, sizeof(*t->objs)))
        return NULL;
    a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->blocks = calloc(nblocks ? nblocks : 1, sizeof(*a->blocks));
    if (!a->blocks) {
        free(a);
        return NULL;
    }
    i = obj_lower_bound(t, a);
    memmove(&t->objs[i + 1], &t->objs[i], (size_t)(t->nobjs - i) * sizeof(*t->objs));
    t->objs[i] = a;
    t->nobjs++;
    return a;
}

static void obj_delete(struct phys_target *t, uint32_t i)
{
    struct phys_alloc *a = t->objs[i];

    memmove(&t->objs[i], &t->objs[i + 1], (size_t)(t->nobjs - i - 1) * sizeof(*t->objs));
    t->nobjs--;
    free(a->blocks);
    free(a);
}

static void size_list(unsigned mask, char *buf, size_t len)
{
    size_t off = 0;
    int id;

    buf[0] = '\0';
    for (id = PHYS_NPOOLS - 1; id >= 0; id--)
        if (mask & (1u << id))
            off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "|" : "",
                                    pool_name[id]);
}

static int alloc_cont(struct phys_target *t, uint64_t len, uint64_t align,
                      struct phys_alloc **out, char *err, size_t errlen)
{
    struct phys_alloc *a;
    uint64_t rlen, pa;
    int ret;

    if (len > PHYS_CONT_MAX_LEN) {
        err_set(err, errlen, "phys_alloc PHYS_CONT len 0x%" PRIx64 ": must be <= 0x%" PRIx64,
                len, (uint64_t)PHYS_CONT_MAX_LEN);
        return -EINVAL;
    }
    if (align == 0) {
        align = phys_default_align(len);
    } else if (!is_pow2(align) || align < SZ_4K || align > PHYS_MAX_ALIGN) {
        err_set(err, errlen,
                "phys_alloc PHYS_CONT align 0x%" PRIx64 ": must be 0 (default) or a power"
                " of two in [0x1000, 0x80000000]", align);
        return -EINVAL;
    }
    rlen = align_up(len, SZ_4K);
    a = obj_new(t, 1);
    if (!a) {
        err_set(err, errlen, "phys_alloc: out of host memory");
        return -ENOMEM;
    }
    ret = cont_take(&t->cont, rlen, align, 1, &pa);
    if (ret) {
        obj_delete(t, obj_lower_bound(t, a));
        t->failures++;
        err_set(err, errlen,
                "phys_alloc PHYS_CONT: cannot allocate 0x%" PRIx64 " bytes aligned to 0x%"
                PRIx64 " from the contiguous pool [0x%" PRIx64 ", 0x%" PRIx64 "): 0x%"
                PRIx64 " bytes free, largest free range 0x%" PRIx64, rlen, align,
                t->cont.base, t->cont.end, cont_free_bytes(&t->cont),
                cont_largest_free(&t->cont));
        return ret;
    }
    a->len = len;
    a->total = rlen;
    a->sz_mask = 0;
    a->flags = PHYS_CONT;
    a->nblocks = 1;
    a->blocks[0].pa = (uint32_t)pa;
    a->blocks[0].size = (uint32_t)rlen;
    a->blocks[0].pool = PHYS_POOL_CONT;
    t->allocs++;
    *out = a;
    return 0;
}

/*
 * Plan a block allocation: how many blocks of each pool (see phys_pool.h).
 * Returns the bytes left uncovered (0 on success). Counts fallbacks as it goes.
 */
static uint64_t plan_blocks(struct phys_target *t, uint64_t len, unsigned mask,
                            uint64_t cnt[PHYS_NPOOLS])
{
    uint64_t rem = len;
    int id;

    for (id = PHYS_NPOOLS - 1; id >= 0; id--) {
        struct block_pool *p = &t->pool[id];
        uint64_t want;

        cnt[id] = 0;
        if (!(mask & (1u << id)))
            continue;
        want = rem >> p->shift;
        if (want > pool_free(p)) {
            p->fallbacks++;
            want = pool_free(p);
        }
        cnt[id] = want;
        rem -= want << p->shift;
    }
    if (rem == 0)
        return 0;
    for (id = 0; id < PHYS_NPOOLS; id++) {
        struct block_pool *p = &t->pool[id];
        uint64_t need = (rem + (1ull << p->shift) - 1) >> p->shift;

        if (!(mask & (1u << id)))
            continue;
        if (pool_free(p) - cnt[id] >= need) {
            cnt[id] += need;
            return 0;
        }
    }
    return rem;
}

static int alloc_blocks(struct phys_target *t, uint64_t len, unsigned mask,
                        struct phys_alloc **out, char *err, size_t errlen)
{
    uint64_t cnt[PHYS_NPOOLS], rem, total = 0, n = 0;
    struct phys_alloc *a;
    int id;

    rem = plan_blocks(t, len, mask, cnt);
    if (rem) {
        char sizes[32];

        for (id = 0; id < PHYS_NPOOLS; id++)
            if (mask & (1u << id))
                t->pool[id].failures++;
        t->failures++;
        size_list(mask, sizes, sizeof(sizes));
        err_set(err, errlen,
                "phys_alloc: cannot allocate 0x%" PRIx64 " bytes from %s blocks (0x%" PRIx64
                " bytes could not be covered); free/total blocks: 16M %" PRIu32 "/%" PRIu32
                ", 1M %" PRIu32 "/%" PRIu32 ", 64K %" PRIu32 "/%" PRIu32 ", 4K %" PRIu32
                "/%" PRIu32, len, sizes, rem,
                pool_free(&t->pool[PHYS_POOL_16M]), t->pool[PHYS_POOL_16M].n,
                pool_free(&t->pool[PHYS_POOL_1M]), t->pool[PHYS_POOL_1M].n,
                pool_free(&t->pool[PHYS_POOL_64K]), t->pool[PHYS_POOL_64K].n,
                pool_free(&t->pool[PHYS_POOL_4K]), t->pool[PHYS_POOL_4K].n);
        return -ENOMEM;
    }
    for (id = 0; id < PHYS_NPOOLS; id++)
        n += cnt[id];
    a = obj_new(t, (uint32_t)n);
    if (!a) {
        err_set(err, errlen, "phys_alloc: out of host memory");
        return -ENOMEM;
    }
    n = 0;
    for (id = PHYS_NPOOLS - 1; id >= 0; id--) {
        struct block_pool *p = &t->pool[id];
        uint64_t k;

        for (k = 0; k < cnt[id]; k++) {
            uint32_t i = pool_take(p);

            a->blocks[n].pa = (uint32_t)(p->base + ((uint64_t)i << p->shift));
            a->blocks[n].size = 1u << p->shift;
            a->blocks[n].pool = (uint8_t)id;
            total += 1ull << p->shift;
            n++;
        }
        p->blocks_allocated += cnt[id];
    }
    a->len = len;
    a->total = total;
    a->sz_mask = mask;
    a->flags = 0;
    a->nblocks = (uint32_t)n;
    t->allocs++;
    *out = a;
    return 0;
}

int phys_alloc(struct phys_target *t, uint64_t len, unsigned sz_mask, unsigned flags,
               uint64_t align, struct phys_alloc **out, char *err, size_t errlen)
{
    if (!t || !out) {
        err_set(err, errlen, "phys_alloc: no target or no result pointer given");
        return -EINVAL;
    }
    if (len == 0 || len > PA_SPACE_END) {
        err_set(err, errlen, "phys_alloc len 0x%" PRIx64 ": must be in [1, 0x100000000]",
                len);
        return -EINVAL;
    }
    if (flags & ~PHYS_CONT) {
        err_set(err, errlen, "phys_alloc flags 0x%x: only PHYS_CONT (0x%x) is defined",
                flags, PHYS_CONT);
        return -EINVAL;
    }
    if (flags & PHYS_CONT)
        return alloc_cont(t, len, align, out, err, errlen);
    if (sz_mask == 0 || (sz_mask & ~PHYS_SZ_ALL)) {
        err_set(err, errlen,
                "phys_alloc sz_mask 0x%x: must be a non-zero subset of PHYS_SZ_ALL (0x%x)",
                sz_mask, PHYS_SZ_ALL);
        return -EINVAL;
    }
    if (align) {
        err_set(err, errlen,
                "phys_alloc align 0x%" PRIx64 ": must be 0 for block allocations (blocks"
                " are naturally aligned); alignment applies only with PHYS_CONT", align);
        return -EINVAL;
    }
    return alloc_blocks(t, len, sz_mask, out, err, errlen);
}

/* Check that every block of `a` is held by a live allocation; nothing changes. */
static bool blocks_valid(const struct phys_target *t, const struct phys_alloc *a)
{
    uint32_t k, i;

    for (k = 0; k < a->nblocks; k++) {
        const struct phys_block *b = &a->blocks[k];

        if (b->pool == PHYS_POOL_CONT) {
            int64_t li = cont_find_live(&t->cont, b->pa);

            if (li < 0 || !t->cont.live[li].owned ||
                t->cont.live[li].end - t->cont.live[li].start != b->size)
                return false;
            continue;
        }
        if (b->pool >= PHYS_NPOOLS ||
            block_index(&t->pool[b->pool], b->pa, b->size, &i) ||
            !bit_test(t->pool[b->pool].used, i))
            return false;
    }
    return true;
}

int phys_free(struct phys_target *t, struct phys_alloc *a)
{
    uint32_t oi, k, i = 0;

    if (!t || !a)
        return -EINVAL;
    oi = obj_lower_bound(t, a);
    if (oi >= t->nobjs || t->objs[oi] != a)
        return -EINVAL;
    if (!blocks_valid(t, a))
        return -EINVAL;
    if (a->flags & PHYS_CONT) {
        int ret = cont_put(&t->cont, (uint32_t)cont_find_live(&t->cont, a->blocks[0].pa));

        if (ret)
            return ret;
    } else {
        for (k = 0; k < a->nblocks; k++) {
            struct block_pool *p = &t->pool[a->blocks[k].pool];

            block_index(p, a->blocks[k].pa, a->blocks[k].size, &i);
            pool_put(p, i);
            p->blocks_freed++;
        }
    }
    obj_delete(t, oi);
    t->frees++;
    return 0;
}

int phys_cont_alloc(struct phys_target *t, uint64_t len, uint64_t align, uint32_t *pa)
{
    uint64_t a;
    int ret;

    if (!t || !pa || len == 0 || len > PA_SPACE_END)
        return -EINVAL;
    if (align == 0)
        align = PHYS_CONT_GRANULE;
    else if (!is_pow2(align) || align < PHYS_CONT_GRANULE || align > PHYS_MAX_ALIGN)
        return -EINVAL;
    ret = cont_take(&t->cont, align_up(len, PHYS_CONT_GRANULE), align, 0, &a);
    if (ret)
        return ret;
    *pa = (uint32_t)a;
    return 0;
}

int phys_cont_free(struct phys_target *t, uint32_t pa)
{
    int64_t li;

    if (!t)
        return -EINVAL;
    li = cont_find_live(&t->cont, pa);
    if (li < 0 || t->cont.live[li].owned)
        return -EINVAL;
    return cont_put(&t->cont, (uint32_t)li);
}

uint32_t phys_pt_alloc(void *target, uint32_t size, uint32_t align)
{
    uint32_t pa;

    return phys_cont_alloc(target, size, align, &pa) ? 0 : pa;
}

void phys_pt_free(void *target, uint32_t pa, uint32_t size)
{
    (void)size;
    phys_cont_free(target, pa);
}

/* End of the live piece containing x, or 0 if x is not in a live allocation. */
static uint64_t live_piece_end(const struct phys_target *t, uint64_t x)
{
    const struct cont_pool *c = &t->cont;
    uint32_t i;
    int id;

    for (id = 0; id < PHYS_NPOOLS; id++) {
        const struct block_pool *p = &t->pool[id];
        uint64_t size = 1ull << p->shift;

        if (x >= p->base && x < p->base + ((uint64_t)p->n << p->shift)) {
            uint32_t bi = (uint32_t)((x - p->base) >> p->shift);

            if (!bit_test(p->used, bi))
                return 0;
            return p->base + (uint64_t)bi * size + size;
        }
    }
    i = range_lower_bound(c->live, c->nlive, x + 1);
    if (i > 0 && x < c->live[i - 1].end)
        return c->live[i - 1].end;
    return 0;
}

bool phys_is_allocated(const struct phys_target *t, uint32_t pa, uint64_t len)
{
    uint64_t x = pa, end = (uint64_t)pa + len;

    if (!t || len == 0 || end > PA_SPACE_END)
        return false;
    while (x < end) {
        uint64_t e = live_piece_end(t, x);

        if (!e)
            return false;
        x = e;
    }
    return true;
}

void phys_target_stats(const struct phys_target *t, struct phys_target_stats *st)
{
    int id;

    memset(st, 0, sizeof(*st));
    if (!t)
        return;
    for (id = 0; id < PHYS_NPOOLS; id++) {
        const struct block_pool *p = &t->pool[id];
        struct phys_pool_stats *ps = &st->pool[id];

        ps->block_size = 1u << p->shift;
        ps->base = p->base;
        ps->total = p->n;
        ps->free = pool_free(p);
        ps->used = p->nused;
        ps->frag = p->nfrag;
        ps->blocks_allocated = p->blocks_allocated;
        ps->blocks_freed = p->blocks_freed;
        ps->fallbacks = p->fallbacks;
        ps->failures = p->failures;
    }
    st->cont.base = t->cont.base;
    st->cont.size = t->cont.end - t->cont.base;
    st->cont.free_bytes = cont_free_bytes(&t->cont);
    st->cont.largest_free = cont_largest_free(&t->cont);
    st->cont.free_ranges = t->cont.nfree;
    st->cont.live = t->cont.nlive;
    st->cont.allocs = t->cont.allocs;
    st->cont.frees = t->cont.frees;
    st->cont.failures = t->cont.failures;
    st->live_allocs = t->nobjs;
    st->allocs = t->allocs;
    st->failures = t->failures;
    st->frees = t->frees;
}
