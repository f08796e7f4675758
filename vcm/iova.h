/*
 * iova.h - device-address (IOVA) allocator for one VCM address space.
 *
 * Each VCM (vcm_create(start, len)) owns one space [start, start + len) of 32-bit
 * device addresses; vcm_reserve takes its reservations here. The space is
 * general purpose:
 *
 *   - Lengths are rounded up to 4 KiB and addresses aligned to a power of two
 *     >= 4 KiB. With align = 0 the default rule applies (iova_default_align):
 *     len >= 1 MiB -> 1 MiB, 64 KiB <= len < 1 MiB -> 64 KiB, else 4 KiB, so that
 *     a buffer can be mapped with the largest pages its size allows.
 *   - Placement is lowest-address fit: the lowest aligned address at which the
 *     whole span fits in one free range (deterministic, and it refills holes
 *     left by frees from the bottom).
 *   - IOVA_GUARD adds a 4 KiB guard page after the allocation: the span taken is
 *     round_up(len, 4K) + 4K, the guard is never handed out while the allocation
 *     lives and is never mapped, so a device running past the end of its buffer
 *     faults instead of touching the next buffer. The guard must fit in the
 *     same free range as the allocation.
 *   - Holes (iova_reserve_hole) are ranges never allocated, e.g. an interrupt
 *     range that the hardware does not translate.
 *   - iova_alloc_fixed takes a caller-chosen address (e.g. a firmware region);
 *     it fails with -EBUSY if any byte of the span is not free.
 *   - Frees are by start address; an unknown address (including a second free of
 *     the same allocation, or an address inside but not at the start of one) is
 *     -EINVAL and changes nothing.
 *
 * `start` and `len` of the space need not be page aligned (the RFC's example
 * creates a VCM at 1 KiB); allocations still land on 4 KiB boundaries in absolute
 * address, so a space starting at 0x400 hands out 0x1000 first. Ends are held in
 * uint64_t because a space may reach 2^32.
 *
 * Complexity: free ranges and live allocations are two arrays sorted by address.
 * With F free ranges and A allocations, an allocation costs O(F) to find its
 * range plus O(log A + A) to record it (binary search, then a memmove); a free
 * costs O(log A + A) + O(log F + F). Memmoves of a few thousand 16-byte entries
 * are cheap next to the simulation; thousands of reservations per space are fine.
 */
#ifndef IOMMUSIM_VCM_IOVA_H
#define IOMMUSIM_VCM_IOVA_H

#include <stddef.h>
#include <stdint.h>

#define IOVA_PAGE_SHIFT 12
#define IOVA_PAGE_SIZE  (1u << IOVA_PAGE_SHIFT)
#define IOVA_GUARD_SIZE IOVA_PAGE_SIZE
#define IOVA_SPACE_END  (1ull << 32)    /* exclusive top of the 32-bit device space */

/* iova_alloc / iova_alloc_fixed flags. */
#define IOVA_GUARD (1u << 0)    /* leave a 4 KiB unmapped guard page after the allocation */

/* Default alignment for `len`: >= 1 MiB -> 1 MiB, >= 64 KiB -> 64 KiB, else 4 KiB. */
uint64_t iova_default_align(uint64_t len);

struct iova_space;

/*
 * A space [start, start + len): len > 0, start + len <= 2^32. NULL on bad
 * arguments (message in err, which may be NULL) or no memory.
 */
struct iova_space *iova_create(uint64_t start, uint64_t len, char *err, size_t errlen);
void iova_destroy(struct iova_space *s);     /* NULL is a no-op */

/*
 * Take [start, start + len) out of the space for good. It must lie inside the
 * space (-EINVAL) and not overlap an allocation or another hole (-EBUSY).
 */
int iova_reserve_hole(struct iova_space *s, uint64_t start, uint64_t len, char *err,
                      size_t errlen);

/*
 * Allocate `len` (> 0) bytes aligned to `align` (0: default rule; else a power of
 * two >= 4 KiB and <= 2 GiB). 0 and *addr, -EINVAL for bad arguments, -ENOMEM when
 * no free range fits (the message gives the request and the largest free range).
 */
int iova_alloc(struct iova_space *s, uint64_t len, uint64_t align, unsigned flags,
               uint32_t *addr, char *err, size_t errlen);

/*
 * Allocate at `addr` (4 KiB aligned). -EINVAL for bad arguments or a span outside
 * the space, -EBUSY if it overlaps an allocation, a guard or a hole.
 */
int iova_alloc_fixed(struct iova_space *s, uint32_t addr, uint64_t len, unsigned flags,
                     char *err, size_t errlen);

/* Free the allocation starting at `addr` (and its guard). -EINVAL if there is none. */
int iova_free(struct iova_space *s, uint32_t addr);

/*
 * Find the live allocation containing `addr` (guard excluded). 0 and its start and
 * rounded length (either pointer may be NULL), or -ENOENT.
 */
int iova_lookup(const struct iova_space *s, uint64_t addr, uint32_t *start, uint64_t *len);

struct iova_stats {
    uint64_t start, len;    /* the space */
    uint64_t free_bytes;    /* bytes in free ranges */
    uint64_t largest_free;  /* largest free range, bytes */
    uint64_t hole_bytes;    /* bytes in holes */
    uint32_t free_ranges;
    uint32_t live;          /* live allocations */
    uint64_t allocs, frees, failures;  /* cumulative; failures counts -ENOMEM and -EBUSY */
};

void iova_stats(const struct iova_space *s, struct iova_stats *st);

#endif
