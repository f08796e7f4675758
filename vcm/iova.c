/*
 * iova.c - device-address (IOVA) allocator for one VCM address space.
 *
 * The rules are in iova.h. Two arrays sorted by address carry the state: the
 * maximal free ranges (neighbours never touch, because every free merges) and
 * the live allocations. Holes are kept only for the statistics and the error
 * messages; they are simply absent from the free ranges.
 */
#include "vcm/iova.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

#define SZ_64K (1ull << 16)
#define SZ_1M  (1ull << 20)
#define IOVA_MAX_ALIGN (1ull << 31)

struct iova_range {
    uint64_t start, end;        /* [start, end) */
};

struct iova_alloc_rec {
    uint64_t addr;
    uint64_t len;               /* rounded to 4 KiB */
    uint64_t span;              /* len plus the guard page, if any */
};

struct iova_space {
    uint64_t start, end;

    struct iova_range *free;
    uint32_t nfree, cap_free;

    struct iova_alloc_rec *live;
    uint32_t nlive, cap_live;

    struct iova_range *holes;
    uint32_t nholes, cap_holes;

    uint64_t allocs, frees, failures;
};

uint64_t iova_default_align(uint64_t len)
{
    if (len >= SZ_1M)
        return SZ_1M;
    if (len >= SZ_64K)
        return SZ_64K;
    return IOVA_PAGE_SIZE;
}

static bool free_insert_at(struct iova_space *s, uint32_t i, uint64_t start, uint64_t end)
{
    if (!array_grow((void **)&s->free, s->nfree, &s->cap_free, sizeof(*s->free)))
        return false;
    memmove(&s->free[i + 1], &s->free[i], (size_t)(s->nfree - i) * sizeof(*s->free));
    s->free[i].start = start;
    s->free[i].end = end;
    s->nfree++;
    return true;
}

static void free_remove_at(struct iova_space *s, uint32_t i)
{
    memmove(&s->free[i], &s->free[i + 1], (size_t)(s->nfree - i - 1) * sizeof(*s->free));
    s->nfree--;
}

/* Index of the free range containing [a, b), or -1. */
static int64_t free_find_containing(const struct iova_space *s, uint64_t a, uint64_t b)
{
    uint32_t lo = 0, hi = s->nfree;

    /* first range with end > a */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (s->free[mid].end > a)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo < s->nfree && s->free[lo].start <= a && b <= s->free[lo].end)
        return lo;
    return -1;
}

/*
 * Remove [a, b) from free range i, which contains it. The only step that can
 * need memory is a split; it is done first so that failure changes nothing.
 */
static bool free_carve(struct iova_space *s, uint32_t i, uint64_t a, uint64_t b)
{
    struct iova_range r = s->free[i];

    if (r.start == a && r.end == b) {
        free_remove_at(s, i);
    } else if (r.start == a) {
        s->free[i].start = b;
    } else if (r.end == b) {
        s->free[i].end = a;
    } else {
        if (!free_insert_at(s, i + 1, b, r.end))
            return false;
        s->free[i].end = a;
    }
    return true;
}

/* Give [a, b) back, merging with the neighbours it touches. */
static bool free_give_back(struct iova_space *s, uint64_t a, uint64_t b)
{
    uint32_t lo = 0, hi = s->nfree;
    bool join_prev, join_next;

    /* first range starting at or after b */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (s->free[mid].start >= b)
            hi = mid;
        else
            lo = mid + 1;
    }
    join_prev = lo > 0 && s->free[lo - 1].end == a;
    join_next = lo < s->nfree && s->free[lo].start == b;
    if (join_prev && join_next) {
        s->free[lo - 1].end = s->free[lo].end;
        free_remove_at(s, lo);
    } else if (join_prev) {
        s->free[lo - 1].end = b;
    } else if (join_next) {
        s->free[lo].start = a;
    } else {
        return free_insert_at(s, lo, a, b);
    }
    return true;
}

/* Index of the first live allocation with addr >= a. */
static uint32_t live_lower_bound(const struct iova_space *s, uint64_t a)
{
    uint32_t lo = 0, hi = s->nlive;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (s->live[mid].addr >= a)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

struct iova_space *iova_create(uint64_t start, uint64_t len, char *err, size_t errlen)
{
    struct iova_space *s;

    if (len == 0 || start >= IOVA_SPACE_END || len > IOVA_SPACE_END - start) {
        err_set(err, errlen,
                "iova space start 0x%" PRIx64 " len 0x%" PRIx64
                ": len must be > 0 and start + len <= 0x100000000", start, len);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        err_set(err, errlen, "iova space: out of host memory");
        return NULL;
    }
    s->start = start;
    s->end = start + len;
    if (!free_insert_at(s, 0, s->start, s->end)) {
        free(s);
        err_set(err, errlen, "iova space: out of host memory");
        return NULL;
    }
    return s;
}

void iova_destroy(struct iova_space *s)
{
    if (!s)
        return;
    free(s->free);
    free(s->live);
    free(s->holes);
    free(s);
}

int iova_reserve_hole(struct iova_space *s, uint64_t start, uint64_t len, char *err,
                      size_t errlen)
{
    int64_t i;
    uint32_t h;

    if (!s)
        return -EINVAL;
    if (len == 0 || start < s->start || start >= s->end || len > s->end - start) {
        err_set(err, errlen,
                "hole 0x%" PRIx64 " len 0x%" PRIx64 ": must be non-empty and inside the space"
                " [0x%" PRIx64 ", 0x%" PRIx64 ")", start, len, s->start, s->end);
        return -EINVAL;
    }
    i = free_find_containing(s, start, start + len);
    if (i < 0) {
        err_set(err, errlen,
                "hole [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps an allocation or another hole",
                start, start + len);
        return -EBUSY;
    }
    /* Make room in the hole list first, so that no step after the carve can fail. */
    if (!array_grow((void **)&s->holes, s->nholes, &s->cap_holes, sizeof(*s->holes)))
        return -ENOMEM;
    if (!free_carve(s, (uint32_t)i, start, start + len))
        return -ENOMEM;
    for (h = s->nholes; h > 0 && s->holes[h - 1].start > start; h--)
        s->holes[h] = s->holes[h - 1];
    s->holes[h].start = start;
    s->holes[h].end = start + len;
    s->nholes++;
    return 0;
}

/* Record a live allocation; the carve has already succeeded. */
static void live_insert(struct iova_space *s, uint64_t addr, uint64_t len, uint64_t span)
{
    uint32_t i = live_lower_bound(s, addr);

    memmove(&s->live[i + 1], &s->live[i], (size_t)(s->nlive - i) * sizeof(*s->live));
    s->live[i].addr = addr;
    s->live[i].len = len;
    s->live[i].span = span;
    s->nlive++;
}

static int check_len(uint64_t len, unsigned flags, char *err, size_t errlen)
{
    if (len == 0 || len > IOVA_SPACE_END) {
        err_set(err, errlen, "iova len 0x%" PRIx64 ": must be in [1, 0x100000000]", len);
        return -EINVAL;
    }
    if (flags & ~IOVA_GUARD) {
        err_set(err, errlen, "iova flags 0x%x: only IOVA_GUARD (0x%x) is defined",
                flags, IOVA_GUARD);
        return -EINVAL;
    }
    return 0;
}

static uint64_t span_of(uint64_t len, unsigned flags)
{
    return align_up(len, IOVA_PAGE_SIZE) + ((flags & IOVA_GUARD) ? IOVA_GUARD_SIZE : 0);
}

static uint64_t free_bytes(const struct iova_space *s)
{
    uint64_t sum = 0;
    uint32_t i;

    for (i = 0; i < s->nfree; i++)
        sum += s->free[i].end - s->free[i].start;
    return sum;
}

static uint64_t largest_free(const struct iova_space *s)
{
    uint64_t best = 0;
    uint32_t i;

    for (i = 0; i < s->nfree; i++)
        if (s->free[i].end - s->free[i].start > best)
            best = s->free[i].end - s->free[i].start;
    return best;
}

int iova_alloc(struct iova_space *s, uint64_t len, uint64_t align, unsigned flags,
               uint32_t *addr, char *err, size_t errlen)
{
    uint64_t span;
    uint32_t i;
    int ret;

    if (!s || !addr)
        return -EINVAL;
    ret = check_len(len, flags, err, errlen);
    if (ret)
        return ret;
    if (align == 0) {
        align = iova_default_align(len);
    } else if (!is_pow2(align) || align < IOVA_PAGE_SIZE || align > IOVA_MAX_ALIGN) {
        err_set(err, errlen,
                "iova align 0x%" PRIx64 ": must be 0 (default) or a power of two in"
                " [0x1000, 0x80000000]", align);
        return -EINVAL;
    }
    span = span_of(len, flags);
    if (!array_grow((void **)&s->live, s->nlive, &s->cap_live, sizeof(*s->live)))
        return -ENOMEM;

    for (i = 0; i < s->nfree; i++) {
        uint64_t a = align_up(s->free[i].start, align);

        if (a >= s->free[i].end || span > s->free[i].end - a)
            continue;
        if (!free_carve(s, i, a, a + span))
            return -ENOMEM;
        live_insert(s, a, align_up(len, IOVA_PAGE_SIZE), span);
        s->allocs++;
        *addr = (uint32_t)a;
        return 0;
    }
    s->failures++;
    err_set(err, errlen,
            "iova: no room for len 0x%" PRIx64 " (span 0x%" PRIx64 ", align 0x%" PRIx64
            ") in [0x%" PRIx64 ", 0x%" PRIx64 "): %" PRIu64 " bytes free, largest free range"
            " 0x%" PRIx64, len, span, align, s->start, s->end, free_bytes(s),
            largest_free(s));
    return -ENOMEM;
}

int iova_alloc_fixed(struct iova_space *s, uint32_t addr, uint64_t len, unsigned flags,
                     char *err, size_t errlen)
{
    uint64_t span;
    int64_t i;
    int ret;

    if (!s)
        return -EINVAL;
    ret = check_len(len, flags, err, errlen);
    if (ret)
        return ret;
    if (addr & (IOVA_PAGE_SIZE - 1)) {
        err_set(err, errlen, "iova fixed addr 0x%" PRIx32 ": must be 4 KiB aligned", addr);
        return -EINVAL;
    }
    span = span_of(len, flags);
    if (addr < s->start || addr >= s->end || span > s->end - addr) {
        err_set(err, errlen,
                "iova fixed [0x%" PRIx32 ", 0x%" PRIx64 ") (guard included): must lie inside"
                " the space [0x%" PRIx64 ", 0x%" PRIx64 ")", addr, addr + span, s->start,
                s->end);
        return -EINVAL;
    }
    if (!array_grow((void **)&s->live, s->nlive, &s->cap_live, sizeof(*s->live)))
        return -ENOMEM;
    i = free_find_containing(s, addr, addr + span);
    if (i < 0) {
        s->failures++;
        err_set(err, errlen,
                "iova fixed [0x%" PRIx32 ", 0x%" PRIx64 ") (guard included) overlaps an"
                " allocation, a guard page or a hole", addr, addr + span);
        return -EBUSY;
    }
    if (!free_carve(s, (uint32_t)i, addr, addr + span))
        return -ENOMEM;
    live_insert(s, addr, align_up(len, IOVA_PAGE_SIZE), span);
    s->allocs++;
    return 0;
}

int iova_free(struct iova_space *s, uint32_t addr)
{
    struct iova_alloc_rec r;
    uint32_t i;

    if (!s)
        return -EINVAL;
    i = live_lower_bound(s, addr);
    if (i >= s->nlive || s->live[i].addr != addr)
        return -EINVAL;
    r = s->live[i];
    /* Giving back may need one more free-range slot; fail before touching anything. */
    if (!array_grow((void **)&s->free, s->nfree, &s->cap_free, sizeof(*s->free)))
        return -ENOMEM;
    free_give_back(s, r.addr, r.addr + r.span);
    memmove(&s->live[i], &s->live[i + 1], (size_t)(s->nlive - i - 1) * sizeof(*s->live));
    s->nlive--;
    s->frees++;
    return 0;
}

int iova_lookup(const struct iova_space *s, uint64_t addr, uint32_t *start, uint64_t *len)
{
    uint32_t i;

    if (!s)
        return -EINVAL;
    i = live_lower_bound(s, addr + 1);  /* first with addr' > addr */
    if (i == 0)
        return -ENOENT;
    i--;
    if (addr >= s->live[i].addr + s->live[i].len)
        return -ENOENT;
    if (start)
        *start = (uint32_t)s->live[i].addr;
    if (len)
        *len = s->live[i].len;
    return 0;
}

void iova_stats(const struct iova_space *s, struct iova_stats *st)
{
    uint32_t i;

    memset(st, 0, sizeof(*st));
    if (!s)
        return;
    st->start = s->start;
    st->len = s->end - s->start;
    st->free_bytes = free_bytes(s);
    st->largest_free = largest_free(s);
    for (i = 0; i < s->nholes; i++)
        st->hole_bytes += s->holes[i].end - s->holes[i].start;
    st->free_ranges = s->nfree;
    st->live = s->nlive;
    st->allocs = s->allocs;
    st->frees = s->frees;
    st->failures = s->failures;
}
