/*
 * phys_pool.h - a VCM memory target: physical block pools and a contiguous pool.
 *
 * The VCM allocates physical memory in a step separate from reserving device
 * addresses (vcm_phys_alloc, then vcm_back). This file is the physical side: one
 * "memory target" made of
 *
 *   - four block pools, carved from one region [base, base + size): blocks of 16M,
 *     1M, 64K and 4K, each naturally aligned. Blocks are never split, so a large
 *     buffer is made of few blocks and can be mapped with few large pages (the
 *     SMMU's TLB is small). The region is shared out by configurable fractions
 *     (default 1/2, 1/4, 1/8, 1/8 for 16M, 1M, 64K, 4K);
 *   - one physically contiguous pool, a separate region handing out aligned ranges
 *     (first-fit or best-fit). The SMMU driver takes its page tables from it and
 *     the VCM takes VCM_PHYS_CONT allocations from it.
 *
 * Layout. Pools are laid out from `base` in decreasing block size (16M, 1M, 64K,
 * 4K), back to back. Pool i holds floor(share[i] * size / block_size[i]) blocks
 * (a product within 1e-9 of a whole count counts as that whole count, so decimal
 * shares such as 0.1 are not cut by binary rounding). `base` must be aligned to the
 * largest block size whose share is non-zero; then every pool starts aligned to
 * its own block size with no padding, and the pools never pass base + size
 * because the shares sum to at most 1. The remainder (if any) is unused.
 *
 * Block allocation (phys_alloc without PHYS_CONT). Length `len` (bytes, > 0), and
 * a mask of allowed block sizes. The request is planned first and committed only
 * if the whole of it can be met (all or nothing):
 *
 *   1. Greedy, largest first: for each allowed size s, from 16M down to 4K: take
 *      blocks of size s while the remainder is >= s and pool s has a free block.
 *      An exhausted pool therefore falls back to the next smaller allowed size.
 *   2. Tail: a remainder r > 0 left after step 1 (smaller than every allowed size
 *      whose pool still has blocks, or not a multiple of the smallest) is covered
 *      by ceil(r / s) blocks of the smallest allowed size s whose pool has that
 *      many free blocks left; "round the tail up to the smallest allowed size".
 *   3. If no allowed size can cover the tail: -ENOMEM, nothing is taken, and the
 *      error names the request and each pool's free/total blocks.
 *
 * Within a pool the lowest-addressed free blocks are taken (deterministic). The
 * result lists blocks by decreasing size, then increasing physical address: the
 * order in which vcm_back maps them at increasing device addresses. Since sizes
 * are powers of two and decrease along the list, each block's offset from the
 * start of the buffer is a multiple of its own size, so when the reservation is
 * aligned to the first block's size every block can be mapped by one page of its
 * size (the mapping policy may still choose smaller pages).
 *
 * Examples, unfragmented pools, 5 MiB + 4 KiB:
 *   all sizes               -> 5 x 1M + 1 x 4K
 *   1M | 64K                -> 5 x 1M + 1 x 64K (tail rounded up to 64K)
 *   64K | 4K                -> 80 x 64K + 1 x 4K
 *   4K only                 -> 1281 x 4K
 *   all sizes, 1M pool empty -> 80 x 64K + 1 x 4K
 *
 * Contiguous allocation (phys_alloc with PHYS_CONT, or phys_cont_alloc). The
 * contiguous pool keeps a sorted list of free ranges; a request takes the first
 * (lowest-addressed) range that fits at the requested alignment, or with
 * PHYS_CONT_BEST_FIT the range that leaves the least free space around it (ties:
 * lowest address). The allocation is cut from the bottom of that range at the
 * lowest aligned address. Frees merge with neighbouring free ranges.
 * phys_cont_alloc works at a 1 KiB granule (an L2 page table is 1 KiB, 1 KiB
 * aligned); phys_alloc with PHYS_CONT rounds the length up to 4 KiB and aligns to
 * at least 4 KiB (default alignment: phys_default_align()).
 *
 * Fragmentation. To reproduce a device that has been up for days, create can mark
 * k = floor(f * n) of the n blocks of each block pool taken (f in [0, 1), same
 * 1e-9 rule), chosen by a partial Fisher-Yates shuffle of the block indices (for
 * i < k: j = i + r % (n - i), swap, mark idx[i]) where r comes from splitmix64
 * with the state starting at seed ^ (0x9e3779b97f4a7c15 * (pool id + 1)). The
 * same seed gives the same pattern. Those blocks belong to nobody here: they can
 * never be allocated or freed. The contiguous pool is not fragmented.
 *
 * Errors: negative errno. Functions with an (err, errlen) pair write one sentence
 * naming the field or request and the valid range; err may be NULL.
 */
#ifndef IOMMUSIM_VCM_PHYS_POOL_H
#define IOMMUSIM_VCM_PHYS_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PHYS_SZ_4K_SHIFT  12
#define PHYS_SZ_64K_SHIFT 16
#define PHYS_SZ_1M_SHIFT  20
#define PHYS_SZ_16M_SHIFT 24

/* Block pools, indexed in increasing block size. */
enum phys_pool_id {
    PHYS_POOL_4K = 0,
    PHYS_POOL_64K,
    PHYS_POOL_1M,
    PHYS_POOL_16M,
    PHYS_NPOOLS,            /* number of block pools */
    PHYS_POOL_CONT = PHYS_NPOOLS, /* tag of a block taken from the contiguous pool */
};

/* Mask of allowed block sizes: bit i allows pool i. */
#define PHYS_SZ_4K  (1u << PHYS_POOL_4K)
#define PHYS_SZ_64K (1u << PHYS_POOL_64K)
#define PHYS_SZ_1M  (1u << PHYS_POOL_1M)
#define PHYS_SZ_16M (1u << PHYS_POOL_16M)
#define PHYS_SZ_ALL (PHYS_SZ_4K | PHYS_SZ_64K | PHYS_SZ_1M | PHYS_SZ_16M)

/* phys_alloc flags. */
#define PHYS_CONT (1u << 0)     /* one physically contiguous range from the contiguous pool */

/* Contiguous-pool granule for phys_cont_alloc (1 KiB: the size of an L2 table). */
#define PHYS_CONT_GRANULE 1024u

enum phys_cont_policy {
    PHYS_CONT_FIRST_FIT = 0,
    PHYS_CONT_BEST_FIT,
};

/* Block size in bytes of pool `id` (0 for an id out of range). */
uint32_t phys_pool_block_size(enum phys_pool_id id);

/*
 * Default alignment for a length: >= 1 MiB -> 1 MiB, >= 64 KiB -> 64 KiB, else
 * 4 KiB. The same rule as iova_default_align(), so a contiguous buffer and its
 * reservation can use the same large pages.
 */
uint64_t phys_default_align(uint64_t len);

struct phys_target_cfg {
    /* Block region [base, base + size): 32-bit physical, base + size <= 2^32. */
    uint64_t base;
    uint64_t size;          /* multiple of 4 KiB; may be 0 (no block pools) */
    double share[PHYS_NPOOLS];      /* fraction of `size` per pool, each in [0, 1], sum <= 1 */

    /* Contiguous region [cont_base, cont_base + cont_size), disjoint from the block region. */
    uint64_t cont_base;     /* multiple of PHYS_CONT_GRANULE */
    uint64_t cont_size;     /* multiple of PHYS_CONT_GRANULE; may be 0 (no contiguous pool) */
    enum phys_cont_policy cont_policy;

    double frag;            /* fraction of each block pool marked taken, in [0, 1) */
    uint64_t frag_seed;
};

/*
 * Fill `cfg` with the block region [base, base + size), default shares (1/2 16M,
 * 1/4 1M, 1/8 64K, 1/8 4K), no contiguous pool, first-fit, no fragmentation.
 */
void phys_target_cfg_default(struct phys_target_cfg *cfg, uint64_t base, uint64_t size);

/* Check a configuration without building it: 0 or -EINVAL with a message. */
int phys_target_cfg_check(const struct phys_target_cfg *cfg, char *err, size_t errlen);

struct phys_target;

/* Build a target (cfg is copied). NULL on a bad config (message in err) or no memory. */
struct phys_target *phys_target_create(const struct phys_target_cfg *cfg, char *err,
                                       size_t errlen);
/* Destroys the target and every allocation object still live in it. NULL is a no-op. */
void phys_target_destroy(struct phys_target *t);

/* One piece of a physical allocation. */
struct phys_block {
    uint32_t pa;
    uint32_t size;          /* 4K/64K/1M/16M for block pools; any multiple of 4K for PHYS_CONT */
    uint8_t pool;           /* enum phys_pool_id, or PHYS_POOL_CONT */
};

/*
 * A physical memory allocation: the blocks in mapping order (see the top of this
 * file). Owned by the target; read-only for callers; valid until phys_free or
 * phys_target_destroy.
 */
struct phys_alloc {
    uint64_t len;           /* the length asked for */
    uint64_t total;         /* sum of block sizes (>= len) */
    unsigned sz_mask;       /* the allowed sizes asked for (0 for PHYS_CONT) */
    unsigned flags;         /* PHYS_CONT or 0 */
    uint32_t nblocks;
    struct phys_block *blocks;
};

/*
 * Allocate `len` bytes. Without PHYS_CONT: from the block pools allowed by
 * `sz_mask` (non-zero subset of PHYS_SZ_ALL), `align` must be 0 (blocks are
 * naturally aligned). With PHYS_CONT: one range from the contiguous pool, length
 * rounded up to 4 KiB, aligned to `align` (0: phys_default_align(len); otherwise
 * a power of two >= 4 KiB); sz_mask is ignored. Returns 0 and *out, -EINVAL for
 * bad arguments, -ENOMEM when the pools cannot meet the request (nothing taken).
 */
int phys_alloc(struct phys_target *t, uint64_t len, unsigned sz_mask, unsigned flags,
               uint64_t align, struct phys_alloc **out, char *err, size_t errlen);

/*
 * Return every block of `a` and free the object. -EINVAL, changing nothing, if
 * `a` is not a live allocation of `t` (double free, foreign or forged pointer;
 * checked without dereferencing `a`).
 */
int phys_free(struct phys_target *t, struct phys_alloc *a);

/*
 * Raw contiguous allocation, for page tables: `len` rounded up to 1 KiB, `align`
 * a power of two >= 1 KiB (0 means 1 KiB). 0 and *pa, -EINVAL, or -ENOMEM.
 */
int phys_cont_alloc(struct phys_target *t, uint64_t len, uint64_t align, uint32_t *pa);
/* Free a range by its start address: -EINVAL if no live range starts at pa. */
int phys_cont_free(struct phys_target *t, uint32_t pa);

/*
 * The same two as the page-table callbacks of the SMMU driver (struct
 * smmu_pt_allocator, with the phys_target as arg): the PA, or 0 when nothing fits;
 * the free takes the range's start (size is not needed).
 */
uint32_t phys_pt_alloc(void *target, uint32_t size, uint32_t align);
void phys_pt_free(void *target, uint32_t pa, uint32_t size);

/* True if [pa, pa + len) lies inside a live allocation (block or contiguous). */
bool phys_is_allocated(const struct phys_target *t, uint32_t pa, uint64_t len);

struct phys_pool_stats {
    uint32_t block_size;
    uint64_t base;          /* first block's address (pools with no blocks: where they would start) */
    uint32_t total;         /* blocks in the pool */
    uint32_t free;          /* total - used - frag */
    uint32_t used;          /* held by live allocations */
    uint32_t frag;          /* marked taken by fragmentation */
    uint64_t blocks_allocated;  /* blocks handed out, cumulative */
    uint64_t blocks_freed;      /* blocks returned, cumulative */
    uint64_t fallbacks;     /* requests that wanted more of this size than were free */
    uint64_t failures;      /* failed requests that allowed this size */
};

struct phys_cont_stats {
    uint64_t base, size;
    uint64_t free_bytes;
    uint64_t largest_free;  /* largest free range, bytes */
    uint32_t free_ranges;
    uint32_t live;          /* live ranges */
    uint64_t allocs, frees, failures;  /* cumulative */
};

struct phys_target_stats {
    struct phys_pool_stats pool[PHYS_NPOOLS];
    struct phys_cont_stats cont;
    uint32_t live_allocs;   /* live phys_alloc objects */
    uint64_t allocs;        /* successful phys_alloc calls */
    uint64_t failures;      /* phys_alloc calls that returned -ENOMEM */
    uint64_t frees;         /* successful phys_free calls */
};

void phys_target_stats(const struct phys_target *t, struct phys_target_stats *st);

#endif
